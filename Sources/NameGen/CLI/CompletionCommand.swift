/// `namegen completion bash|zsh|fish`: shell completion scripts, generated from the command specs.
enum CompletionCommand: Subcommand {
    static let shells = ["bash", "zsh", "fish"]

    static let spec = CommandSpec(
        name: "completion",
        abstract: "Print a shell completion script.",
        discussion: "bash: add 'source <(namegen completion bash)' to ~/.bashrc. zsh: write 'namegen completion zsh' to a file named _namegen in a directory on $fpath. fish: write 'namegen completion fish' to ~/.config/fish/completions/namegen.fish.",
        options: [],
        positional: (name: "shell", help: "The shell.", choices: shells))

    static func run(_ a: ParsedArguments, console: Console, stop: StopRequest) throws {
        guard let shell = a.positionals.first else {
            throw NameGenError(.usage, "Missing expected argument '<shell>'.")
        }
        switch shell {
        case "bash": console.out(bash())
        case "zsh": console.out(zsh())
        case "fish": console.out(fish())
        default:
            throw NameGenError(.usage, "The value '\(shell)' is invalid for '<shell>'. Please provide one of \(shells.map { "'\($0)'" }.joined(separator: ", ")).")
        }
    }

    static var specs: [CommandSpec] { CommandLineTool.commands.map { $0.spec } }
    /// Options whose value is a file or directory complete as paths.
    static func completesPaths(_ o: OptionSpec) -> Bool { ["file", "path", "dir"].contains(o.valueName ?? "") }

    static func bash() -> String {
        var s = """
            # bash completion for namegen; load with: source <(namegen completion bash)
            _namegen() {
                local cur prev
                cur="${COMP_WORDS[COMP_CWORD]}"
                prev="${COMP_WORDS[COMP_CWORD-1]}"
                if [[ $COMP_CWORD -eq 1 ]]; then
                    COMPREPLY=( $(compgen -W "\(specs.map(\.name).joined(separator: " ")) help --help --version" -- "$cur") )
                    return
                fi
                case "${COMP_WORDS[1]}" in

            """
        for spec in specs {
            s += "        \(spec.name))\n            case \"$prev\" in\n"
            for o in spec.options where !o.isFlag {
                let names = o.names.joined(separator: "|")
                if let choices = o.choices {
                    s += "                \(names)) COMPREPLY=( $(compgen -W \"\(choices.joined(separator: " "))\" -- \"$cur\") ); return ;;\n"
                } else if completesPaths(o) {
                    s += "                \(names)) COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n"
                } else {
                    s += "                \(names)) return ;;\n"
                }
            }
            s += "            esac\n"
            var words = spec.options.flatMap(\.names)
            if let p = spec.positional, let choices = p.choices { words += choices }
            s += "            COMPREPLY=( $(compgen -W \"\(words.joined(separator: " "))\" -- \"$cur\") ) ;;\n"
        }
        s += """
                    help) COMPREPLY=( $(compgen -W "\(specs.map(\.name).joined(separator: " "))" -- "$cur") ) ;;
                esac
            }
            complete -F _namegen namegen

            """
        return s
    }

    static func zsh() -> String {
        func quote(_ s: String) -> String {
            s.replacingEvery("'", with: "'\\''").replacingEvery("[", with: "\\[").replacingEvery("]", with: "\\]")
                .replacingEvery(":", with: "\\:")
        }
        var s = """
            #compdef namegen
            # zsh completion for namegen; save as _namegen in a directory on $fpath.

            _namegen() {
                local -a subcommands
                subcommands=(

            """
        for spec in specs { s += "        '\(spec.name):\(quote(spec.abstract))'\n" }
        s += """
                    'help:Show subcommand help information.'
                )
                if (( CURRENT == 2 )); then
                    _describe 'subcommand' subcommands
                    _arguments '--version[Show the version.]' '(-h --help)'{-h,--help}'[Show help information.]'
                    return
                fi
                local cmd=${words[2]}
                shift words
                (( CURRENT-- ))
                case $cmd in

            """
        for spec in specs {
            s += "        \(spec.name))\n            _arguments \\\n"
            for o in spec.options {
                let help = quote(o.help)
                var action = ""
                if !o.isFlag {
                    if let choices = o.choices { action = ":\(o.valueName!):(\(choices.joined(separator: " ")))" }
                    else if completesPaths(o) { action = ":\(o.valueName!):_files" }
                    else { action = ":\(o.valueName!):" }
                }
                for name in o.names { s += "                '\(name)[\(help)]\(action)' \\\n" }
            }
            if let p = spec.positional, let choices = p.choices { s += "                ':\(p.name):(\(choices.joined(separator: " ")))' \\\n" }
            s += "                && return ;;\n"
        }
        s += """
                    help) _describe 'subcommand' subcommands ;;
                esac
            }

            _namegen "$@"

            """
        return s
    }

    /// fish: one `complete` line per subcommand and per option, values from the choices or
    /// from the file system.
    static func fish() -> String {
        func quote(_ s: String) -> String {
            "'" + s.replacingEvery("\\", with: "\\\\").replacingEvery("'", with: "\\'") + "'"
        }
        var s = """
            # fish completion for namegen; save as ~/.config/fish/completions/namegen.fish
            complete -c namegen -f
            complete -c namegen -n '__fish_use_subcommand' -l version -d 'Show the version.'
            complete -c namegen -n '__fish_use_subcommand' -s h -l help -d 'Show help information.'

            """
        for spec in specs {
            s += "complete -c namegen -n '__fish_use_subcommand' -a \(spec.name) -d \(quote(spec.abstract))\n"
        }
        s += "complete -c namegen -n '__fish_use_subcommand' -a help -d 'Show subcommand help information.'\n"
        s += "complete -c namegen -n '__fish_seen_subcommand_from help' -a \(quote(specs.map(\.name).joined(separator: " ")))\n"
        for spec in specs {
            let condition = "-n '__fish_seen_subcommand_from \(spec.name)'"
            for o in spec.options {
                var line = "complete -c namegen \(condition)"
                for name in o.names {
                    line += name.hasPrefix("--") ? " -l \(name.dropFirst(2))" : " -s \(name.dropFirst())"
                }
                if !o.isFlag {
                    if let choices = o.choices { line += " -x -a \(quote(choices.joined(separator: " ")))" }
                    else if completesPaths(o) { line += " -r -F" }
                    else { line += " -x" }
                }
                s += line + " -d \(quote(o.help))\n"
            }
            if let p = spec.positional, let choices = p.choices {
                s += "complete -c namegen \(condition) -a \(quote(choices.joined(separator: " ")))\n"
            }
        }
        return s
    }
}
