import ArgumentParser
import Foundation
import PluginScaffold

/// `sanctum plugin …`: tools for plugin authors.
struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugin", abstract: "Tools for plugin authors.",
                                                    subcommands: [New.self])

    /// `sanctum plugin new <id>`: scaffolds and registers a plugin (see `PluginScaffold`).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a plugin: its target, its tests, its docs page, and its registration in this binary.")
        @Argument(help: "The plugin id, as in the config file (for example link-guard).") var id: String
        @Option(help: "One line for logs and the console.") var summary: String?
        @Option(help: "The Sanctum package directory (default: the current directory).") var root: String?

        func run() throws {
            switch Result(catching: scaffold) {
            case .success(let (scaffold, paths)):
                print(paths.map { "  \($0)" }.joined(separator: "\n"))
                print("""
                    sanctum: plugin \(scaffold.id) created. Next:
                      swift build && swift test --filter \(scaffold.typeName)Tests
                      enable it in a tier of your config file (docs/plugins/\(scaffold.id).md)
                    """)
            case .failure(let error):
                FileHandle.standardError.write(Data("sanctum: plugin new: \(error.description)\n".utf8))
                throw ExitCode(64)
            }
        }

        private func scaffold() throws(ScaffoldError) -> (PluginScaffold, [String]) {
            let scaffold = try PluginScaffold(id: id, summary: summary)
            return (scaffold, try scaffold.write(into: URL(fileURLWithPath: root ?? FileManager.default.currentDirectoryPath)))
        }
    }
}
