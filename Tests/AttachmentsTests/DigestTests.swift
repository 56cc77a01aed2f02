@testable import Attachments
import XCTest

/// The plugin's own SHA-256 and HMAC against the published vectors (FIPS 180-4 examples, RFC 4231).
final class DigestTests: XCTestCase {
    func testSHA256MatchesTheStandardVectors() {
        XCTAssertEqual(SHA256.hash(Data()).hexDigits, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Data("abc".utf8)).hexDigits, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexDigits,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testSHA256IsTheSameFedInPiecesOfAnySize() {
        let million = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 1000, 4095] where offset < million.count {
            hasher.update(million[offset..<Swift.min(offset + size, million.count)])
            offset += size
        }
        hasher.update(million[offset...])
        XCTAssertEqual(hasher.finalize().hexDigits, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testHMACMatchesRFC4231() {
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Data("Hi There".utf8), key: Data(repeating: 0x0b, count: 20)).hexDigits,
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8)).hexDigits,
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let longKey = Data(repeating: 0xaa, count: 131)
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Data("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: longKey).hexDigits,
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testSignedLinksExpireAndNameOneAttachmentOfOneSite() {
        let signer = LinkSigner(key: Data("k".utf8))
        let now = Date(timeIntervalSince1970: 1_000)
        let signature = signer.signature(id: "a", site: "acme", expires: 1_060)
        XCTAssertEqual(signer.check(id: "a", site: "acme", expires: "1060", signature: signature, now: now), .valid)
        XCTAssertEqual(signer.check(id: "a", site: "acme", expires: "1060", signature: signature, now: now.addingTimeInterval(60)), .expired)
        XCTAssertEqual(signer.check(id: "b", site: "acme", expires: "1060", signature: signature, now: now), .invalid)
        XCTAssertEqual(signer.check(id: "a", site: "other", expires: "1060", signature: signature, now: now), .invalid)
        XCTAssertEqual(signer.check(id: "a", site: "acme", expires: "9999", signature: signature, now: now), .invalid)
        XCTAssertEqual(signer.check(id: "a", site: "acme", expires: nil, signature: nil, now: now), .invalid)
    }
}
