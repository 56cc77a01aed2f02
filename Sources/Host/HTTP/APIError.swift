import HTTPTypes
import SanctumServices
import Hummingbird

/// An error answered as the bridge's JSON error envelope `{"success":false,"error":…}`.
public struct APIError: Error, Sendable {
    /// HTTP status of the answer.
    public var status: HTTPResponse.Status
    /// The `error` string: part of the wire contract (BRIDGE-API.md §2.12).
    public var message: String
    /// Adds `"code": <status>`, as the original's auth decorators do.
    public var includeCode = false
    /// Extra headers (for example `Retry-After`).
    public var headers: HTTPFields = [:]
    /// Extra members of the body (for example a plugin's `error_code` and `localization_key`).
    public var details: [String: JSON] = [:]
    /// Whether CORS headers may be added (not for requests an origin check refused).
    public var grantsCORS = true

    public init(_ status: HTTPResponse.Status, _ message: String, includeCode: Bool = false, headers: HTTPFields = [:],
                details: [String: JSON] = [:], grantsCORS: Bool = true) {
        self.status = status
        self.message = message
        self.includeCode = includeCode
        self.headers = headers
        self.details = details
        self.grantsCORS = grantsCORS
    }

    /// The answer for a service's refusal; `includeCode` adds `"code": <status>` (the alias routes' decorators).
    public init(_ error: ServiceError, includeCode: Bool = false) {
        var headers: HTTPFields = [:]
        let status: HTTPResponse.Status
        switch error.kind {
        case .invalidInput: status = .badRequest
        case .unauthenticated: status = .unauthorized
        case .notFound: status = .notFound
        case .unavailable: status = .serviceUnavailable
        case .refused(let code): status = HTTPResponse.Status(code: code)
        case .rateLimited(let retryAfter):
            status = .tooManyRequests
            headers[.retryAfter] = String(retryAfter)
        }
        self.init(status, error.message, includeCode: includeCode, headers: headers, details: error.details, grantsCORS: error.grantsCORS)
    }

    /// The JSON body of this error.
    public var body: JSON {
        var object = details
        object["success"] = false
        object["error"] = .string(message)
        if includeCode { object["code"] = .int(Int64(status.code)) }
        return .object(object)
    }

    static let missingAction = APIError(.badRequest, "Missing action parameter")
    static let invalidAction = APIError(.badRequest, "Invalid action")
    static let invalidJSON = APIError(.badRequest, "Invalid JSON")
    static let missingFields = APIError(.badRequest, "Missing required fields")
    static let invalidSessionID = APIError(ServiceError.invalidSessionID)
    static let invalidMessage = APIError(ServiceError.invalidMessage)
    static let invalidSession = APIError(ServiceError.invalidSession)
    static let missingSessionID = APIError(ServiceError.missingSessionID)
    static let notFound = APIError(.notFound, "Endpoint not found")
    static let methodNotAllowed = APIError(.methodNotAllowed, "Method not allowed")
    static let internalError = APIError(.internalServerError, "Internal server error")
    /// The database cannot be reached (the instance reconnects by itself): retry shortly.
    static let databaseUnavailable = APIError(.serviceUnavailable, "Database unavailable", headers: [.retryAfter: "1"])
    static let unsupportedMediaType = APIError(.unsupportedMediaType, "Unsupported Media Type: send the body as application/json")
    static func bodyTooLarge(_ limit: Int) -> APIError { APIError(.contentTooLarge, "Request body too large (limit \(limit) bytes)") }
}

extension Response {
    /// A JSON response with Flask's serialisation.
    static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: value.serializedBytes)))
    }

    /// The answer for `error`.
    static func error(_ error: APIError) -> Response {
        .json(error.body, status: error.status, headers: error.headers)
    }

    /// A body of `type` with these bytes.
    static func bytes(_ bytes: some Sequence<UInt8>, type: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = type
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
