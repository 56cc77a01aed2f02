import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird

/// Flask-CORS 4.0.0 defaults on `/api…` paths, exactly (BRIDGE-API.md §1.4), and the same on
/// plugin routes (`/plugins/…`), which widget modules call from the site's pages.
enum CORS {
    /// Methods a preflight may ask for.
    static let preflightMethods: Set<String> = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
    static let allowMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"

    /// Whether CORS applies: the path starts with `/api` (case-insensitively) or `/plugins/`.
    static func applies(to path: String) -> Bool {
        (path.utf8.count >= 4 && path.prefix(4).lowercased() == "/api") || path.hasPrefix("/plugins/")
    }

    /// Adds the CORS headers for `request` to `headers`.
    static func addHeaders(for request: Request, to headers: inout HTTPFields) {
        if let origin = request.headers[.origin] {
            headers[.accessControlAllowOrigin] = origin
            headers.append(HTTPField(name: .vary, value: "Origin"))
        } else {
            headers[.accessControlAllowOrigin] = "*"
        }
        if request.method == .options, let method = request.headers[.accessControlRequestMethod],
           preflightMethods.contains(method.uppercased()) {
            headers[.accessControlAllowMethods] = allowMethods
            if let requested = request.headers[.accessControlRequestHeaders] {
                let names = requested.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
                headers[.accessControlAllowHeaders] = names.joined(separator: ", ")
            }
        }
        if let field = HTTPField.Name("Access-Control-Request-Private-Network"), request.headers[field]?.lowercased() == "true",
           let allow = HTTPField.Name("Access-Control-Allow-Private-Network") {
            headers[allow] = "true"
        }
    }
}
