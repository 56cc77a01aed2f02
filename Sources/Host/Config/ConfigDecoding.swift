import Foundation
import PluginAPI
import Yams

/// Decodes parts of the config file and words their errors for people:
/// `plugins.word-filter.max_links: expected a whole number, found text "ten"` rather than
/// `Expected to decode Int but found Scalar instead`.
enum ConfigDecoding {
    /// Decodes `node` into `type`; an error names `prefix` + the key path, what was expected and what was found.
    static func decode<T: Decodable>(_ type: T.Type, from node: Node, prefix: [String] = []) throws -> T {
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch let error as DecodingError {
            throw ConfigError(description: describe(error, in: node, prefix: prefix))
        }
    }

    /// Decodes a ``PluginConfiguration`` the way plugin authors expect: keys written in
    /// snake_case (`max_links` fills `maxLinks`) and every key left out keeping its value in the
    /// type's `init()`. The user's section is laid over the encoded defaults, mapping by mapping.
    static func decodePluginConfiguration<T: PluginConfiguration>(_ type: T.Type, from section: Node, prefix: [String]) throws -> T {
        let defaults = try Yams.compose(yaml: YAMLEncoder().encode(T())) ?? Node.mapping(Node.Mapping([]))
        let merged = overlay(section, on: defaults)
        do {
            return try YAMLDecoder().decode(type, from: merged)
        } catch let error as DecodingError {
            throw ConfigError(description: describe(error, in: merged, prefix: prefix, snakeCase: true))
        }
    }

    /// `user` laid over `defaults`: in two mappings each user key replaces (or, for two mappings,
    /// is laid over) the default of the same name; a user key matches a default written as is or
    /// in camelCase (`max_links` → `maxLinks`); anything else replaces the default outright.
    static func overlay(_ user: Node, on defaults: Node) -> Node {
        guard let userMapping = user.mapping, var result = defaults.mapping else { return user }
        for (key, value) in userMapping {
            guard let name = key.string else { continue }
            let target = result[name] != nil ? name : camelCase(name)
            result[target] = result[target].map { overlay(value, on: $0) } ?? value
        }
        return .mapping(result)
    }

    /// The sentence for a decoding error of the node `root`.
    static func describe(_ error: DecodingError, in root: Node, prefix: [String], snakeCase: Bool = false) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = prefix.joined(separator: ".")
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + (snakeCase ? self.snakeCase(key.stringValue) : key.stringValue)
                }
            }
            return text.isEmpty ? "config" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required key is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(words(for: type)), found \(describe(node(at: context.codingPath, in: root)))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(words(for: type)), found nothing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "config: \(error)"
        }
    }

    /// What a value of `type` is called in a config file.
    static func words(for type: Any.Type) -> String {
        switch type {
        case is Node.Mapping.Type: "a mapping"
        case is Node.Sequence.Type: "a list"
        case is Node.Scalar.Type: "a single value"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        case is Double.Type, is Float.Type: "a number"
        case is any FixedWidthInteger.Type: "a whole number"
        default: "\(type)"
        }
    }

    /// What was found, for the message: `text "ten"`, `the number 1.5`, `true`, `a list`, `a mapping`, `nothing`.
    static func describe(_ node: Node?) -> String {
        guard let node else { return "nothing" }
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if node.null != nil { return "nothing" }
            if node.bool != nil { return scalar.string }
            if node.float != nil || node.int != nil { return "the number \(scalar.string)" }
            return "text \(scalar.string.debugDescription)"
        }
    }

    /// The node at `codingPath` below `root`.
    static func node(at codingPath: [any CodingKey], in root: Node) -> Node? {
        var current: Node? = root
        for key in codingPath {
            if let index = key.intValue, let sequence = current?.sequence {
                current = sequence.indices.contains(index) ? sequence[index] : nil
            } else {
                current = current?[key.stringValue]
            }
        }
        return current
    }

    /// `max_links` → `maxLinks`.
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count > 1, !parts[0].isEmpty else { return key }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `maxLinks` → `max_links`.
    static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { result, character in
            if character.isUppercase, !result.isEmpty { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
