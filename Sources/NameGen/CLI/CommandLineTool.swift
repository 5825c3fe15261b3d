/// Entry point of the `namegen` executable (placeholder until the CLI lands).
public enum CommandLineTool {
    public static func main(_ arguments: [String]) -> Int32 { 0 }
}
