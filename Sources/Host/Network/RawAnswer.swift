import NIOCore

/// Answers the connection layer writes straight to the socket, past the HTTP encoder: the
/// request could not be read (whole), so no route answers it. Each closes the connection.
enum RawAnswer {
    /// The HTTP parser rejected the request.
    static let badRequest = answer(400, "Bad Request", "Bad request")
    /// A request head or body did not arrive in time.
    static let requestTimeout = answer(408, "Request Timeout", "Request timeout: the request did not arrive in time")
    /// The client's address already holds as many connections as allowed.
    static let tooManyConnections = answer(429, "Too Many Requests", "Too many connections from this address")

    /// A JSON error envelope (the same bytes `APIError` would write) with `Connection: close`.
    private static func answer(_ status: Int, _ reason: String, _ error: String) -> ByteBuffer {
        let body = #"{"error":"\#(error)","success":false}"# + "\n"
        return ByteBuffer(string: "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n"
            + "X-Content-Type-Options: nosniff\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }
}
