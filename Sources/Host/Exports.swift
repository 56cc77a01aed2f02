// A binary that composes Sanctum (`Sources/sanctum`, or an organisation's own) imports
// SanctumHost and gets the domain types it hands to the server (PluginRegistry, KeyKind, …).
@_exported import SanctumServices
