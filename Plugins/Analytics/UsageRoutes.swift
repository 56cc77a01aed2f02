import Foundation
import PluginAPI

/// The handlers of the analytics API (mounted by ``Analytics/activate(host:)``): a site's agents read
/// their site, the operator (admin key) any site named by `site`.
struct UsageRoutes: Sendable {
    let store: UsageStore
    let configuration: Analytics.Configuration
    let now: @Sendable () -> Date

    /// `GET /plugins/analytics/summary?site=&from=&to=&interval=`.
    func summary(_ request: PluginRequest) async throws -> PluginResponse {
        switch scope(request) {
        case .failure(let refusal): return try refusal.response()
        case .success(let (site, range)):
            let quarters = try await store.quarters(site: site, from: range.from, to: range.to)
            var report = UsageReport(site: site, range: range, quarters: quarters)
            report.widget = WidgetReport(try await store.widget(site: site, from: range.from, to: range.to),
                                         sampleRate: configuration.settings(for: site).sampleRate)
            return try .json(Success(data: report))
        }
    }

    /// `GET /plugins/analytics/export/daily.csv?site=&from=&to=`: one row per local day.
    func daily(_ request: PluginRequest) async throws -> PluginResponse {
        switch scope(request) {
        case .failure(let refusal): return try refusal.response()
        case .success(let (site, range)):
            let quarters = try await store.quarters(site: site, from: range.from, to: range.to)
            return csv(CSVExport.daily(range: range, quarters: quarters), name: "\(site)-daily.csv")
        }
    }

    /// `GET /plugins/analytics/export/conversations.csv?site=&from=&to=`: one row per conversation started in the range.
    func conversations(_ request: PluginRequest) async throws -> PluginResponse {
        switch scope(request) {
        case .failure(let refusal): return try refusal.response()
        case .success(let (site, range)):
            let records = try await store.conversations(site: site)
            return csv(CSVExport.conversations(range: range, records: records), name: "\(site)-conversations.csv")
        }
    }

    /// `GET /plugins/analytics/export/widget.csv?site=&from=&to=`: the widget rollups, one row per
    /// UTC hour and funnel step, timing or error group (the rows the summary's `widget` section sums).
    func widget(_ request: PluginRequest) async throws -> PluginResponse {
        switch scope(request) {
        case .failure(let refusal): return try refusal.response()
        case .success(let (site, range)):
            let hours = try await store.widgetHours(site: site, from: range.from, to: range.to)
            return csv(CSVExport.widget(hours), name: "\(site)-widget.csv")
        }
    }

    /// A JSON error answer.
    struct Refusal: Error {
        var status: Int
        var message: String

        func response() throws -> PluginResponse { try .json(APIError(error: message), status: status) }
    }

    /// The site and range a request asks for: an agent only its own site, the operator any.
    func scope(_ request: PluginRequest) -> Result<(String, ReportRange), Refusal> {
        let asked = request.query["site"] ?? request.query["site_id"]
        let site: String
        if request.caller == .admin {
            site = asked ?? request.site.id
        } else {
            if let asked, asked != request.site.id { return .failure(Refusal(status: 403, message: "An agent key reads its own site only")) }
            site = request.site.id
        }
        guard (1...64).contains(site.utf8.count), site.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            return .failure(Refusal(status: 400, message: "site must be a site id"))
        }
        do {
            return .success((site, try ReportRange(query: request.query, timeZone: configuration.timeZone(for: site), now: now())))
        } catch {
            return .failure(Refusal(status: 400, message: error.message))
        }
    }

    private func csv(_ text: String, name: String) -> PluginResponse {
        PluginResponse(status: 200, headers: ["content-type": "text/csv; charset=utf-8",
                                              "content-disposition": "attachment; filename=\"\(name)\""], body: Data(text.utf8))
    }
}

/// `{"success": false, "error": …}`.
struct APIError: Encodable {
    var success = false
    var error: String
}

/// `{"success": true, "data": …}`.
struct Success<Payload: Encodable>: Encodable {
    var success = true
    var data: Payload
}
