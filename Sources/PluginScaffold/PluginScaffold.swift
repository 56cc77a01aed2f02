import Foundation

/// `sanctum plugin new <id>`: writes a plugin target, its test target and its docs page, and
/// registers the plugin in `Package.swift` and `Sources/sanctum/CompiledPlugins.swift`, so that
/// `swift build` and `swift test` pass at once and a tier can enable it by id.
///
/// Every file is checked before anything is written: a refused scaffold changes nothing.
public struct PluginScaffold: Sendable {
    /// The plugin id (`link-guard`), as in the config file and the route prefix.
    public let id: String
    /// The Swift name of the plugin type, target and module (`LinkGuard`).
    public let typeName: String
    /// One line for logs and the operator console.
    public let summary: String

    /// A scaffold for `id`; throws ``ScaffoldError/invalidID(_:)`` unless `id` is lowercase
    /// letters, digits and inner single `-`, starting with a letter (at most 64 characters).
    public init(id: String, summary: String? = nil) throws(ScaffoldError) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...64).contains(id.count), parts.allSatisfy({ !$0.isEmpty }),
              id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }),
              let first = id.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw .invalidID(id)
        }
        self.id = id
        typeName = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        self.summary = summary ?? "\(parts.joined(separator: " ").capitalized) (describe it in one line)"
    }

    /// The new files, by path relative to the package root.
    public var files: [(path: String, contents: String)] {
        let templates = ScaffoldTemplates(self)
        return [("Plugins/\(typeName)/\(typeName).swift", templates.plugin),
                ("Tests/\(typeName)Tests/\(typeName)Tests.swift", templates.tests),
                ("docs/plugins/\(id).md", templates.docs)]
    }

    /// Writes the files and registers the plugin under `root` (the package directory); returns
    /// the paths it wrote or changed, relative to `root`.
    @discardableResult
    public func write(into root: URL) throws(ScaffoldError) -> [String] {
        let registration = ScaffoldRegistration(root: root)
        let files = self.files
        for file in files where FileManager.default.fileExists(atPath: root.appendingPathComponent(file.path).path) {
            throw .exists(file.path)
        }
        let edits = try registration.edits(for: self)
        do {
            for file in files {
                let url = root.appendingPathComponent(file.path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .withoutOverwriting)
            }
            for edit in edits { try Data(edit.contents.utf8).write(to: root.appendingPathComponent(edit.path), options: .atomic) }
        } catch {
            throw .io(error.localizedDescription)
        }
        return files.map(\.path) + edits.map(\.path)
    }
}

/// Why a scaffold was refused.
public enum ScaffoldError: Error, Equatable, CustomStringConvertible {
    /// The id does not have the plugin id shape.
    case invalidID(String)
    /// A file the scaffold would write already exists (nothing was written).
    case exists(String)
    /// A list the scaffold edits already names the plugin (nothing was written).
    case alreadyRegistered(String)
    /// `Package.swift` or `CompiledPlugins.swift` is missing or lacks the list the scaffold edits.
    case notAPackage(String)
    /// Reading or writing failed.
    case io(String)

    /// A sentence for the command line.
    public var description: String {
        switch self {
        case .invalidID(let id):
            "\"\(id)\" is not a plugin id: use lowercase letters, digits and single inner dashes, starting with a letter (for example link-guard)"
        case .exists(let path): "\(path) already exists; nothing was written"
        case .alreadyRegistered(let path): "\(path) already lists this plugin; nothing was written"
        case .notAPackage(let reason): "\(reason); run the command in the root of the Sanctum package (or pass --root)"
        case .io(let reason): "could not write the plugin: \(reason)"
        }
    }
}
