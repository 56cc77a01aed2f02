/// The special-purpose ranges outbound connections refuse unless the operator allows them: an
/// address in one of these reaches the server itself or its private network (SSRF).
enum AddressRange: String, Sendable {
    case unspecified, loopback, privateNetwork = "private", linkLocal = "link-local", sharedCGNAT = "shared (CGNAT)"
    case multicast, reserved

    /// The range of an IPv4 address (4 bytes, network order), or `nil` for a public one.
    static func of(ipv4 a: [UInt8]) -> AddressRange? {
        guard a.count == 4 else { return .reserved }
        switch (a[0], a[1]) {
        case (0, _): return .unspecified                         // 0.0.0.0/8, "this network"
        case (127, _): return .loopback                          // 127.0.0.0/8
        case (10, _), (172, 16...31), (192, 168): return .privateNetwork  // RFC 1918
        case (100, 64...127): return .sharedCGNAT                // 100.64.0.0/10, RFC 6598
        case (169, 254): return .linkLocal                       // 169.254.0.0/16
        case (198, 18...19): return .reserved                    // 198.18.0.0/15, benchmarking
        case (192, 0) where a[2] == 0: return .reserved          // 192.0.0.0/24, IETF protocol assignments
        case (224...239, _): return .multicast                   // 224.0.0.0/4
        case (240...255, _): return .reserved                    // 240.0.0.0/4 and broadcast
        default: return nil
        }
    }

    /// The range of an IPv6 address (16 bytes, network order), or `nil` for a public one. IPv4
    /// addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
    /// `64:ff9b::a.b.c.d`) are judged by their IPv4 address.
    static func of(ipv6 a: [UInt8]) -> AddressRange? {
        guard a.count == 16 else { return .reserved }
        let embedded = Array(a[12..<16])
        if a[0..<15].allSatisfy({ $0 == 0 }) { return a[15] == 1 ? .loopback : (a[15] == 0 ? .unspecified : of(ipv4: embedded)) }
        if a[0..<10].allSatisfy({ $0 == 0 }), a[10] == 0xff, a[11] == 0xff { return of(ipv4: embedded) }
        if a[0..<12].allSatisfy({ $0 == 0 }) { return of(ipv4: embedded) }
        if a[0] == 0x00, a[1] == 0x64, a[2] == 0xff, a[3] == 0x9b, a[4..<12].allSatisfy({ $0 == 0 }) { return of(ipv4: embedded) }
        switch a[0] {
        case 0xfc, 0xfd: return .privateNetwork                  // fc00::/7, unique local
        case 0xfe where a[1] & 0xc0 == 0x80: return .linkLocal   // fe80::/10
        case 0xfe where a[1] & 0xc0 == 0xc0: return .privateNetwork  // fec0::/10, deprecated site-local
        case 0xff: return .multicast                             // ff00::/8
        default: return nil
        }
    }
}
