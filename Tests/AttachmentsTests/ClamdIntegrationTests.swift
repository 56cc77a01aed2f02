@testable import Attachments
import Foundation
import PluginAPI
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The scanner against a real clamd (Debian's `clamav-daemon`, installed by `scripts/setup`),
/// started by the test with a signature database it writes itself: the EICAR test string. No
/// signature download is needed. Skipped when clamd is not installed.
final class ClamdIntegrationTests: XCTestCase {
    static let clamd = ["/usr/sbin/clamd", "/usr/bin/clamd", "/usr/local/sbin/clamd"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func testRealClamdRefusesEICARAndPassesAPDF() async throws {
        guard let clamd = Self.clamd else { throw XCTSkip("clamd is not installed (scripts/setup installs clamav-daemon)") }
        let directory = URL(fileURLWithPath: "/tmp/sanctum-clamd-\(getpid())-\(Int.random(in: 0..<1_000_000))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = directory.appendingPathComponent("clamd.sock").path
        let signature = Data("EICAR-STANDARD-ANTIVIRUS-TEST-FILE".utf8).map { String(format: "%02x", $0) }.joined()
        try "Sanctum-Test-EICAR:0:*:\(signature)\n".write(to: directory.appendingPathComponent("sanctum-test.ndb"), atomically: true, encoding: .utf8)
        try """
        LocalSocket \(socket)
        DatabaseDirectory \(directory.path)
        TemporaryDirectory \(directory.path)
        Foreground yes

        """.write(to: directory.appendingPathComponent("clamd.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clamd)
        process.arguments = ["-c", directory.appendingPathComponent("clamd.conf").path]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline, process.isRunning else { return XCTFail("clamd did not open its socket") }
            try await Task.sleep(for: .milliseconds(100))
        }

        let scanner = ClamdScanner(address: .unix(path: socket))
        let eicar = directory.appendingPathComponent("eicar.txt")
        try ImageFixtures.eicar.write(to: eicar)
        let verdict = try await scanner.scan(eicar, with: UnixSocketConnector())
        XCTAssertEqual(verdict, .infected(signature: "Sanctum-Test-EICAR.UNOFFICIAL"))
        let pdf = directory.appendingPathComponent("clean.pdf")
        try (ImageFixtures.pdf + Data(repeating: 0x20, count: 200_000)).write(to: pdf)
        let clean = try await scanner.scan(pdf, with: UnixSocketConnector())
        XCTAssertEqual(clean, .clean)
    }
}

/// A plain blocking Unix-socket client standing in for the server's `host.sockets` in tests.
struct UnixSocketConnector: PluginSocketConnector {
    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        guard case .unix(let path) = address else { throw PluginSocketError.connectionFailed("unix sockets only") }
        let socket = try UnixSocket(path: path)
        defer { socket.close() }
        return try await body(socket)
    }
}

/// A connected `AF_UNIX` stream socket.
final class UnixSocket: PluginSocket {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw PluginSocketError.connectionFailed("connect(\(path)) failed: errno \(errno)")
        }
    }

    func write(_ data: Data) async throws {
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw PluginSocketError.connectionFailed("send failed: errno \(errno)") }
            offset += written
        }
    }

    func read(upTo maxBytes: Int) async throws -> Data {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let count = recv(descriptor, &buffer, maxBytes, 0)
        guard count >= 0 else { throw PluginSocketError.connectionFailed("recv failed: errno \(errno)") }
        return Data(buffer.prefix(count))
    }

    func readToEnd(maxBytes: Int) async throws -> Data {
        var data = Data()
        while true {
            let piece = try await read(upTo: 4096)
            if piece.isEmpty { return data }
            data.append(piece)
            if data.count > maxBytes { throw PluginSocketError.tooLarge(limit: maxBytes) }
        }
    }

    func close() { Glibc.close(descriptor) }
}
