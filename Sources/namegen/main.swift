#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
import NameGen

exit(CommandLineTool.main(Array(CommandLine.arguments.dropFirst())))
