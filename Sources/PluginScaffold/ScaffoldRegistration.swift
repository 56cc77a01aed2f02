import Foundation

/// The three lists a new plugin joins: the `compiledPlugins` array of `Package.swift`, the
/// imports and `PluginRegistry.compiledIn` of `Sources/sanctum/CompiledPlugins.swift`, and the
/// index of `docs/plugins/README.md`. Each list keeps its alphabetical order.
struct ScaffoldRegistration {
    static let manifest = "Package.swift"
    static let compiledIn = "Sources/sanctum/CompiledPlugins.swift"
    static let docsIndex = "docs/plugins/README.md"

    let root: URL

    /// The new contents of the three files with `plugin` registered, or why they cannot take it.
    func edits(for plugin: PluginScaffold) throws(ScaffoldError) -> [(path: String, contents: String)] {
        let manifest = try insert("    \"\(plugin.typeName)\",", in: Self.manifest,
                                  between: "let compiledPlugins = [", and: "]")
        var registry = try insert("import \(plugin.typeName)", in: Self.compiledIn, between: nil, and: "")
        registry = try insert("        \(plugin.typeName).self,", into: registry, file: Self.compiledIn,
                              between: "PluginRegistry([", and: "])")
        let index = try insert("- [`\(plugin.id)`](\(plugin.id).md): \(plugin.summary)", in: Self.docsIndex,
                               between: "<!-- sanctum plugin new: index -->", and: "")
        return [(Self.manifest, manifest), (Self.compiledIn, registry), (Self.docsIndex, index)]
    }

    private func insert(_ line: String, in path: String, between start: String?, and end: String) throws(ScaffoldError) -> String {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path),
              let text = String(data: data, encoding: .utf8) else {
            throw .notAPackage("\(path) not found")
        }
        return try insert(line, into: text, file: path, between: start, and: end)
    }

    /// Inserts `line` in alphabetical order into the block of lines after the line `start`
    /// (a line ending with `start`; `nil`: the file's first line) up to the first line that is `end` (trimmed).
    private func insert(_ line: String, into text: String, file: String, between start: String?, and end: String) throws(ScaffoldError) -> String {
        var lines = text.components(separatedBy: "\n")
        let trimmed = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        let first: Int
        if let start {
            guard let index = trimmed.firstIndex(where: { $0.hasSuffix(start) }) else { throw .notAPackage("\(file) has no line \"\(start)\"") }
            first = index + 1
        } else {
            first = 0
        }
        guard let last = trimmed[first...].firstIndex(of: end) else { throw .notAPackage("\(file) has no end of its list after \"\(start ?? "the top")\"") }
        let block = lines[first..<last]
        guard !block.contains(line) else { throw .alreadyRegistered(file) }
        let position = block.firstIndex { $0.trimmingCharacters(in: .whitespaces) > line.trimmingCharacters(in: .whitespaces) } ?? last
        lines.insert(line, at: position)
        return lines.joined(separator: "\n")
    }
}
