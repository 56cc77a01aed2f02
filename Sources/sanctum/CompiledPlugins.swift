import Analytics
import Attachments
import DomainAllowlist
import I18n
import LinkGuard
import Notifications
import SanctumHost
import WordFilter

extension PluginRegistry {
    /// The plugins compiled into this binary; tiers in the config file enable them by id.
    ///
    /// The host depends on no plugin: this list is the only place that names them. An
    /// organisation's own binary lists its own (see "Your own sanctum binary" in `docs/plugins.md`).
    /// `sanctum plugin new <id>` adds its plugin here (and its import above), in alphabetical order.
    static let compiledIn = PluginRegistry([
        Analytics.self,
        Attachments.self,
        DomainAllowlist.self,
        I18n.self,
        LinkGuard.self,
        Notifications.self,
        WordFilter.self,
    ])
}
