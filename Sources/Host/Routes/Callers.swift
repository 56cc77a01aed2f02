import Foundation
import HTTPTypes
import Hummingbird
import SanctumServices

extension HostEnvironment {
    /// The caller of an HTTP request: an `Authorization` header must hold a valid key (401 and
    /// the failure throttle otherwise, 429 while the IP is locked out); without one it is a
    /// visitor of the `widgetKey` site.
    func caller(_ request: Request, _ context: SanctumContext, widgetKey: String?) throws(APIError) -> Caller {
        guard request.headers[.authorization] != nil else { return .visitor(try visitorSite(widgetKey: widgetKey)) }
        guard let key = request.headers.bearerKey else { throw APIError(.unauthorized, "Authentication required") }
        try admitKeyAttempt(client: context.clientIP)
        if let caller = services.access.caller(forKey: key) { return caller }
        try throttleFailure(client: context.clientIP)
        throw APIError(.unauthorized, "Invalid API key")
    }
}
