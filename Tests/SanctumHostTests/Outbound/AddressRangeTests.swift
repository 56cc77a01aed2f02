import NIOCore
import XCTest
@testable import SanctumHost

/// Which addresses outbound connections refuse without the operator's allowance.
final class AddressRangeTests: XCTestCase {
    func testSpecialPurposeAddressesAreClassifiedAndPublicOnesAreNot() throws {
        let expected: [(String, AddressRange?)] = [
            ("127.0.0.1", .loopback), ("127.255.0.9", .loopback), ("0.0.0.0", .unspecified),
            ("10.0.0.1", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
            ("192.168.1.1", .privateNetwork), ("100.64.0.1", .sharedCGNAT), ("100.127.255.255", .sharedCGNAT),
            ("169.254.169.254", .linkLocal), ("224.0.0.1", .multicast), ("255.255.255.255", .reserved),
            ("::", .unspecified), ("::1", .loopback), ("fc00::1", .privateNetwork), ("fd12:3456::1", .privateNetwork),
            ("fe80::1", .linkLocal), ("ff02::1", .multicast), ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .privateNetwork),
            ("64:ff9b::a00:1", .privateNetwork), ("::127.0.0.1", .loopback),
            ("93.184.216.34", nil), ("172.32.0.1", nil), ("100.128.0.1", nil), ("2606:4700::1111", nil), ("::ffff:8.8.8.8", nil),
        ]
        for (text, range) in expected {
            let address = try SocketAddress(ipAddress: text, port: 80)
            XCTAssertEqual(OutboundRules.range(of: address), range, text)
        }
    }

    func testAllowedHostsAndAllowPrivateLiftTheRefusal() throws {
        let loopback = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        XCTAssertEqual(OutboundRules().refusal(host: "localhost", address: loopback), .loopback)
        XCTAssertNil(OutboundRules(allowedHosts: ["localhost"]).refusal(host: "LocalHost.", address: loopback))
        XCTAssertEqual(OutboundRules(allowedHosts: ["localhost"]).refusal(host: "evil.example", address: loopback), .loopback,
                       "only the listed name may resolve to a private address")
        XCTAssertNil(OutboundRules(allowPrivate: true).refusal(host: "evil.example", address: loopback))
    }
}
