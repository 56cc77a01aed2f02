public enum PluginAPIVersion { public static let current = "0.1.0" }
