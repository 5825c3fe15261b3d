import DispatchedKernels
import Foundation
import NameGen

DispatchedKernels.register()
exit(CommandLineTool.main(Array(CommandLine.arguments.dropFirst())))
