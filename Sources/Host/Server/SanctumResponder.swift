import Foundation
import HTTPTypes
import SanctumServices
import Hummingbird
import Logging

/// The HTTP entry point: path normalisation, route lookup, HEAD, CORS and the JSON error
/// mapping that guarantees no input ever produces an HTML error page or a crash. A WebSocket
/// handshake `UpgradeScreen` refused is answered here too, as its JSON error.
struct SanctumResponder: HTTPResponder {
    typealias Context = SanctumContext
    let routes: RouteTable
    let logger: Logger
    /// Peers whose `X-Forwarded-For` is believed.
    let trustedProxies: Set<String>
    /// Where each answered request is counted.
    let metrics: ServerMetrics

    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    func respond(to request: Request, context: SanctumContext) async throws -> Response {
        let started = ContinuousClock.now
        metrics.traffic.begin()
        defer { metrics.traffic.end() }
        let response = try await answer(request, context: context)
        let path = request.uri.path
        let action = path == "/api/v1/" ? Query(request.uri.query)["action"] : nil
        metrics.recordRequest(route: routes.label(for: path, action: action), method: request.method.rawValue,
                              status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }

    private func answer(_ request: Request, context: SanctumContext) async throws -> Response {
        var context = context
        if !trustedProxies.isEmpty {
            context.clientIP = ClientAddress.resolve(peer: context.remoteAddress, headers: request.headers, trustedProxies: trustedProxies)
        }
        let path = request.uri.path
        let refusedUpgrade = RefusedUpgrade(markedOn: request)
        if refusedUpgrade == nil, var redirect = redirect(for: request, path: path) {
            redirect.headers[Self.contentTypeOptions] = "nosniff"
            return redirect
        }
        let isAPI = CORS.applies(to: path)
        var response: Response
        var grantsCORS = isAPI
        do {
            if let refusedUpgrade { throw refusedUpgrade.error }
            response = try await route(request, path: path, isAPI: isAPI, context: context)
        } catch let error as APIError {
            response = .error(error)
            grantsCORS = grantsCORS && error.grantsCORS
        } catch let error as ServiceError {
            response = .error(APIError(error))
            grantsCORS = grantsCORS && error.grantsCORS
        } catch where DatabaseOutage.covers(error) {
            logger.warning("database unavailable on \(request.method) \(path): \(error)")
            response = .error(.databaseUnavailable)
        } catch {
            logger.error("unhandled error on \(request.method) \(path): \(error)")
            response = .error(.internalError)
        }
        if grantsCORS { CORS.addHeaders(for: request, to: &response.headers) }
        // No answer is ever sniffed into another type (a JSON error rendered as HTML, say).
        response.headers[Self.contentTypeOptions] = "nosniff"
        return request.method == .head ? response.createHeadResponse() : response
    }

    private func route(_ request: Request, path: String, isAPI: Bool, context: SanctumContext) async throws -> Response {
        guard let handlers = routes.handlers(for: path) else {
            if request.method == .options && isAPI { return Response(status: .ok) }
            throw APIError.notFound
        }
        let method = request.method == .head ? HTTPRequest.Method.get : request.method
        if let handler = handlers[method] { return try await handler(request, context) }
        let allowed = Set(handlers.keys.map(\.rawValue) + (handlers[.get] != nil ? ["HEAD"] : []) + ["OPTIONS"])
        let allow = allowed.sorted().joined(separator: ", ")
        if request.method == .options { return Response(status: .ok, headers: [.allow: allow]) }
        // RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
        var refusal = APIError.methodNotAllowed
        refusal.headers[.allow] = allow
        throw refusal
    }

    /// 308 for repeated slashes and for slash-declared routes requested without the slash.
    private func redirect(for request: Request, path: String) -> Response? {
        var target: String?
        if path.contains("//") {
            target = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
            target = "/" + target! + (path.hasSuffix("/") && target! != "" ? "/" : "")
        } else if routes.slashRedirects.contains(path) {
            target = path + "/"
        }
        guard var location = target else { return nil }
        if let query = request.uri.query, !query.isEmpty { location += "?" + query }
        return Response(status: .permanentRedirect, headers: [.location: location])
    }
}
