import Foundation

/// A semantic version of the plugin API. Plugins declare the minimum they need; the host refuses
/// to activate a plugin that needs a newer API than it implements.
public struct PluginAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Incremented for breaking changes (see the changelog in `docs/plugin-api.md`).
    public var major: Int
    /// Incremented for additions.
    public var minor: Int
    /// Incremented for fixes.
    public var patch: Int

    /// The version this build of PluginAPI implements.
    public static let current = PluginAPIVersion(2, 4, 0)

    /// A version; `patch` defaults to 0.
    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// `major.minor.patch`.
    public var description: String { "\(major).\(minor).\(patch)" }

    /// Orders versions by major, then minor, then patch.
    public static func < (a: PluginAPIVersion, b: PluginAPIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    /// Whether a host implementing `self` can run a plugin that needs `required`: same major
    /// version, and at least the required minor and patch.
    public func satisfies(_ required: PluginAPIVersion) -> Bool {
        major == required.major && self >= required
    }
}
