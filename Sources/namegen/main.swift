#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
import DispatchedKernels
import NameGen

DispatchedKernels.register()
exit(CommandLineTool.main(Array(CommandLine.arguments.dropFirst())))
