import DispatchedKernels
import XCTest
@testable import NameGen

/// The base of every test class: registers the dispatched kernel sets (AVX-512, AVX2, portable,
/// optimised in debug builds) before the class's first test, as the executables do at start-up.
/// Without it the library would compute with its flag-free set, unoptimised in a debug build.
class NameGenTestCase: XCTestCase {
    override class func setUp() {
        super.setUp()
        DispatchedKernels.register()
    }
}
