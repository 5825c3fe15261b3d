import Foundation
import NameGen

exit(CommandLineTool.main(Array(CommandLine.arguments.dropFirst())))
