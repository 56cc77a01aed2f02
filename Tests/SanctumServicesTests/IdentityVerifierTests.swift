import Foundation
import XCTest
@testable import SanctumServices

/// Identity proofs: `user_hash` (HMAC-SHA256 of the user id) and HS256 JWTs, against the site's
/// current and retiring secrets. Time is passed in, never read.
final class IdentityVerifierTests: XCTestCase {
    static let secret = "identity-secret-0123456789abcdef-XYZ"
    static let oldSecret = "old-identity-secret-0123456789abcdef"
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    var settings: IdentitySettings { IdentitySettings(secret: Self.secret) }

    func testUserHashIsTheHexHMACOfTheUserID() {
        // What Python's hmac.new(secret, b"42", hashlib.sha256).hexdigest() gives.
        let expected = "a8bffa97317bfaef85733965f1969399120673f36950acc117e69240a095161e"
        XCTAssertEqual(IdentityVerifier.userHash("42", secret: Self.secret), expected)
        let proof = IdentityProof.userHash(userID: "42", hash: expected.uppercased(), name: "Ada", email: nil)
        XCTAssertEqual(try IdentityVerifier.verify(proof, settings: settings, now: now).get(), VerifiedIdentity(userID: "42", name: "Ada"))
    }

    func testForgedHashesAreRefused() {
        let other = IdentityVerifier.userHash("43", secret: Self.secret)
        for hash in [other, "", "zz", String(repeating: "0", count: 64), IdentityVerifier.userHash("42", secret: "another-secret-of-enough-length-000")] {
            XCTAssertEqual(rejection(.userHash(userID: "42", hash: hash, name: nil, email: nil)), .invalid, hash)
        }
    }

    func testAValidTokenGivesItsSubjectNameAndEmail() throws {
        let token = jwt(["sub": "u-1", "exp": .int(Int64(now.timeIntervalSince1970) + 300), "name": "Ada", "email": "ada@example.com"])
        XCTAssertEqual(try IdentityVerifier.verify(.token(token), settings: settings, now: now).get(),
                       VerifiedIdentity(userID: "u-1", name: "Ada", email: "ada@example.com"))
    }

    func testTokensWithoutExpOrPastItAreRefusedWithinTheSkew() {
        let stamp = Int64(now.timeIntervalSince1970)
        XCTAssertEqual(rejection(.token(jwt(["sub": "u"]))), .expired, "exp is required")
        XCTAssertEqual(rejection(.token(jwt(["sub": "u", "exp": .int(stamp - 61)]))), .expired, "past the 60 s skew")
        XCTAssertNil(rejection(.token(jwt(["sub": "u", "exp": .int(stamp - 59)]))), "inside the skew")
        XCTAssertEqual(rejection(.token(jwt(["sub": "u", "exp": .int(stamp + 600), "nbf": .int(stamp + 120)]))), .expired, "not yet valid")
        XCTAssertEqual(rejection(.token(jwt(["exp": .int(stamp + 60)]))), .invalid, "sub is required")
    }

    func testOnlyHS256IsAccepted() {
        let claims: JSON = ["sub": "u", "exp": .int(Int64(now.timeIntervalSince1970) + 60)]
        let unsigned = base64URL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + base64URL(claims.serializedBytes.dropLast()) + "."
        XCTAssertEqual(rejection(.token(unsigned)), .algorithm, "alg none")
        XCTAssertEqual(rejection(.token(jwt(claims, header: #"{"alg":"HS512","typ":"JWT"}"#))), .algorithm, "HS512")
        XCTAssertEqual(rejection(.token(jwt(claims, secret: "wrong-secret-wrong-secret-wrong-secret"))), .invalid, "wrong key")
        XCTAssertEqual(rejection(.token("not.a.jwt")), .invalid, "garbage")
    }

    func testARetiringSecretIsAcceptedUntilItsEnd() {
        let rotating = IdentitySettings(secret: Self.secret, previous: [RetiringSecret(value: Self.oldSecret, until: now.addingTimeInterval(3600))])
        let old = IdentityProof.userHash(userID: "42", hash: IdentityVerifier.userHash("42", secret: Self.oldSecret), name: nil, email: nil)
        let new = IdentityProof.userHash(userID: "42", hash: IdentityVerifier.userHash("42", secret: Self.secret), name: nil, email: nil)
        XCTAssertNoThrow(try IdentityVerifier.verify(old, settings: rotating, now: now).get(), "old, during the overlap")
        XCTAssertNoThrow(try IdentityVerifier.verify(new, settings: rotating, now: now).get(), "new, during the overlap")
        let later = now.addingTimeInterval(3600)
        XCTAssertThrowsError(try IdentityVerifier.verify(old, settings: rotating, now: later).get(), "old, after the overlap")
        XCTAssertNoThrow(try IdentityVerifier.verify(new, settings: rotating, now: later).get(), "new, after the overlap")
    }

    private func rejection(_ proof: IdentityProof) -> IdentityRejection? {
        if case .failure(let reason) = IdentityVerifier.verify(proof, settings: settings, now: now) { return reason }
        return nil
    }

    private func jwt(_ claims: JSON, header: String = #"{"alg":"HS256","typ":"JWT"}"#, secret: String = IdentityVerifierTests.secret) -> String {
        let signed = base64URL(Array(header.utf8)) + "." + base64URL(claims.serializedBytes.dropLast())
        return signed + "." + base64URL(IdentityVerifier.mac(Array(signed.utf8), secret: secret))
    }

    private func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
