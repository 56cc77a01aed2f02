import Foundation
import XCTest

/// Every public symbol of the plugin-facing targets has a `///` doc comment: plugin authors
/// read the contract in their editor, so an undocumented symbol is an unfinished one.
final class DocCommentTests: XCTestCase {
    static let folders = ["Sources/PluginAPI", "Sources/PluginTesting", "Sources/PluginDispatch"]

    func testEveryPublicDeclarationHasADocComment() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var declarations = 0
        var undocumented: [String] = []
        for folder in Self.folders {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
                .filter { $0.hasSuffix(".swift") }.sorted()
            XCTAssertFalse(files.isEmpty, "\(folder) has sources")
            for file in files {
                let source = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                let scan = DocCommentScanner.scan(source)
                declarations += scan.declarations.count
                undocumented += scan.undocumented.map { "\(folder)/\(file):\($0.line): \($0.text)" }
            }
        }
        XCTAssertEqual(undocumented, [], "public declarations without a /// doc comment")
        XCTAssertGreaterThan(declarations, 200, "the scanner finds the public API")
    }

    /// The scanner itself, on every kind of declaration the rule covers.
    func testTheScannerFlagsEachKindOfUndocumentedDeclaration() {
        let source = #"""
            /// Documented.
            public struct Thing: Sendable {
                public var bare: Int
                /// Documented.
                @available(*, deprecated)
                @inlinable public func attributed() {}
                @discardableResult
                public func attributedBare() -> Int { let s = "{ not a brace"; return s.count }
                public static let bareStatic = 1
                /// Documented.
                public init() { bare = 0 }
                let internalNeedsNothing = 1
            }

            public enum Choice {
                /// Documented.
                case one
                case two(String)
                public static func bare() -> Choice {
                    switch Choice.one {
                    case .one: return .one
                    case .two: return .one
                    }
                }
            }

            enum Internal {
                case free
            }

            /// Documented.
            public protocol Requirement: Sendable {
                /// Documented.
                associatedtype Value
                func bareRequirement()
                var bareProperty: Int { get }
                /// Documented.
                static var documented: Int { get }
            }

            extension Requirement {
                public func bareDefault() {}
                func internalDefault() {}
            }

            public typealias BareAlias = Int
            public final class BareClass: @unchecked Sendable {
                public subscript(index: Int) -> Int { index }
                open var openBare = 0
            }
            """#
        let scan = DocCommentScanner.scan(source)
        XCTAssertEqual(scan.undocumented.map(\.text), [
            "public var bare: Int",
            "public func attributedBare() -> Int { let s = \"{ not a brace\"; return s.count }",
            "public static let bareStatic = 1",
            "public enum Choice {",
            "case two(String)",
            "public static func bare() -> Choice {",
            "func bareRequirement()",
            "var bareProperty: Int { get }",
            "public func bareDefault() {}",
            "public typealias BareAlias = Int",
            "public final class BareClass: @unchecked Sendable {",
            "public subscript(index: Int) -> Int { index }",
            "open var openBare = 0",
        ])
        XCTAssertEqual(scan.declarations.count, 20)
    }
}

/// Finds public declarations (and the cases and requirements of public enums and protocols)
/// and whether a `///` line precedes each, attribute lines in between allowed.
enum DocCommentScanner {
    struct Declaration: Equatable {
        let line: Int
        let text: String
    }

    private enum Frame {
        case publicEnum, publicProtocol, other
    }

    private static let declaration = try! NSRegularExpression(pattern:
        #"^((?:@[\w.]+(?:\([^)]*\))?\s+)*)((?:[a-z]+(?:\(set\))?\s+)*)(func|var|let|init|struct|class|enum|protocol|case|typealias|subscript|associatedtype|actor|extension)\b"#)
    private static let requirement = try! NSRegularExpression(pattern:
        #"^(?:(?:static|mutating|nonmutating|nonisolated)\s+)*(?:func|var|init|subscript|associatedtype|typealias)\b"#)

    private static let attributes = try! NSRegularExpression(pattern: #"^(?:@[\w.]+(?:\([^)]*\))?\s*)+$"#)

    /// A line holding only attributes (`@discardableResult`, `@available(*, deprecated)`).
    private static func isAttributeLine(_ line: String) -> Bool {
        attributes.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
    }

    static func scan(_ source: String) -> (declarations: [Declaration], undocumented: [Declaration]) {
        let lines = source.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var declarations: [Declaration] = []
        var undocumented: [Declaration] = []
        var frames: [Frame] = []
        var pending: Frame?
        var inMultilineString = false
        for (index, line) in lines.enumerated() {
            if inMultilineString {
                if line.contains("\"\"\"") { inMultilineString = false }
                continue
            }
            let range = NSRange(line.startIndex..., in: line)
            var isDeclaration = false
            if !line.hasPrefix("//"), let match = declaration.firstMatch(in: line, range: range) {
                let modifiers = (Range(match.range(at: 2), in: line).map { line[$0] } ?? "").split(separator: " ")
                let keyword = Range(match.range(at: 3), in: line).map { String(line[$0]) } ?? ""
                let isPublic = modifiers.contains("public") || modifiers.contains("open")
                isDeclaration = isPublic && keyword != "extension"
                if keyword == "case" && frames.last == .publicEnum { isDeclaration = true }
                if ["enum", "protocol", "struct", "class", "actor", "extension"].contains(keyword) {
                    pending = isPublic && keyword == "enum" ? .publicEnum : isPublic && keyword == "protocol" ? .publicProtocol : .other
                }
            }
            if frames.last == .publicProtocol, requirement.firstMatch(in: line, range: range) != nil {
                isDeclaration = true
            }
            if isDeclaration {
                let found = Declaration(line: index + 1, text: line)
                declarations.append(found)
                var previous = index - 1
                while previous >= 0, isAttributeLine(lines[previous]) { previous -= 1 }
                if previous < 0 || !lines[previous].hasPrefix("///") { undocumented.append(found) }
            }
            // Braces outside string literals and comments open and close frames.
            if line.contains("\"\"\""), line.components(separatedBy: "\"\"\"").count == 2 {
                inMultilineString = true
                continue
            }
            var inString = false
            var escaped = false
            var previousCharacter: Character = " "
            for character in line {
                defer { previousCharacter = character }
                if inString {
                    if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                    continue
                }
                if character == "/" && previousCharacter == "/" { break }
                switch character {
                case "\"": inString = true
                case "{":
                    frames.append(pending ?? .other)
                    pending = nil
                case "}": _ = frames.popLast()
                default: break
                }
            }
        }
        return (declarations, undocumented)
    }
}
