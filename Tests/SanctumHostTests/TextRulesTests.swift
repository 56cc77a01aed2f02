import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Python-compatible text, integer, timestamp and JSON rules.
final class TextRulesTests: XCTestCase {
    func testStripUsesPythonWhitespace() {
        XCTAssertEqual(PythonText.strip("\u{1C}\u{1F} hi \u{85}\u{A0}\u{3000}"), "hi")
        XCTAssertEqual(PythonText.strip("\u{200B}hi\u{200B}"), "\u{200B}hi\u{200B}")
        XCTAssertEqual(PythonText.strip("  \t\n "), "")
        XCTAssertEqual(PythonText.strip("a b"), "a b")
    }

    func testIntParsesLikePython() {
        XCTAssertEqual(PythonText.int(" 42 "), 42)
        XCTAssertEqual(PythonText.int("-7"), -7)
        XCTAssertEqual(PythonText.int("+1_000"), 1000)
        XCTAssertEqual(PythonText.int("٣"), 3, "Arabic-Indic digit")
        XCTAssertNil(PythonText.int("1__0"))
        XCTAssertNil(PythonText.int("_1"))
        XCTAssertNil(PythonText.int("10.5"))
        XCTAssertNil(PythonText.int(""))
        XCTAssertNil(PythonText.int("abc"))
        XCTAssertEqual(PythonText.int("99999999999999999999999"), Int64.max)
    }

    func testCodePointLength() {
        XCTAssertEqual(PythonText.length("é"), 1)
        XCTAssertEqual(PythonText.length("e\u{301}"), 2)
        XCTAssertEqual(PythonText.length("👍🏽"), 2)
    }

    func testSessionIDRule() {
        XCTAssertTrue(BridgeRules.isValidSessionID("session_a"))
        XCTAssertTrue(BridgeRules.isValidSessionID("session_" + String(repeating: "Z", count: 56)))
        XCTAssertFalse(BridgeRules.isValidSessionID("session_" + String(repeating: "Z", count: 57)))
        XCTAssertFalse(BridgeRules.isValidSessionID("session_"))
        XCTAssertFalse(BridgeRules.isValidSessionID("session_a-b"))
        XCTAssertFalse(BridgeRules.isValidSessionID("Session_a"))
        XCTAssertFalse(BridgeRules.isValidSessionID("session_é"))
    }

    func testCursorNormalisation() {
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04 03:17:33"), "2025-08-04 03:17:33")
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04T03:17:33Z"), "2025-08-04 03:17:33")
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04T03:17:33.999Z"), "2025-08-04 03:17:33")
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04T05:17:33+02:00"), "2025-08-04 03:17:33")
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04T00:30:00-0100"), "2025-08-04 01:30:00")
        XCTAssertEqual(Timestamps.normalizeCursor("2025-08-04"), "2025-08-04 00:00:00")
        XCTAssertNil(Timestamps.normalizeCursor("yesterday"))
        XCTAssertNil(Timestamps.normalizeCursor("2025-13-01"))
        XCTAssertEqual(BridgeRules.cursor("garbage"), "garbage", "unparseable cursors compare raw, as the original")
        XCTAssertNil(BridgeRules.cursor(""))
    }

    func testTimestampShapes() {
        let date = Date(timeIntervalSince1970: 1_754_277_453.25)
        XCTAssertEqual(Timestamps.database(date), "2025-08-04 03:17:33")
        XCTAssertEqual(Timestamps.iso(date), "2025-08-04T03:17:33.250000+00:00")
    }

    func testJSONSerialisesLikeFlask() {
        let value: JSON = ["b": 1, "a": ["x": "é\"\n", "y": .null], "c": 0.0, "d": [true, false], "e": "😀"]
        XCTAssertEqual(value.serialized, #"{"a":{"x":"\u00e9\"\n","y":null},"b":1,"c":0.0,"d":[true,false],"e":"\ud83d\ude00"}"# + "\n")
        XCTAssertEqual(JSON.double(1.5).serialized, "1.5\n")
    }

    func testJSONParserModel() {
        XCTAssertEqual(JSON.parse(Array("0.0".utf8)), .double(0))
        XCTAssertEqual(JSON.parse(Array("0".utf8)), .int(0))
        XCTAssertEqual(JSON.parse(Array(#"{"a":1,"a":2}"#.utf8)), ["a": 2])
        XCTAssertEqual(JSON.parse(Array(#""\ud83d\ude00\u00e9""#.utf8)), "😀é")
        XCTAssertEqual(JSON.parse(Array("[NaN, -Infinity]".utf8))?.array.count, 2)
        XCTAssertEqual(JSON.array([.double(.nan), .double(.infinity), .double(-.infinity)]).serialized, "[null,null,null]\n",
                       "non-finite numbers are never written as bare words JSON.parse rejects")
        XCTAssertEqual(JSON.parse(Array("12345678901234567890123".utf8)), .double(1.2345678901234568e22))
        for bad in ["", "{", "[1,]", "{'a':1}", "01", "1.", "tru", "\"\u{01}\"", "[1] x", "\"\\x\""] {
            XCTAssertNil(JSON.parse(Array(bad.utf8)), bad)
        }
        XCTAssertNil(JSON.parse(Array(String(repeating: "[", count: 100_000).utf8)), "deep nesting is refused, not a crash")
        XCTAssertNil(JSON.parse([0x22, 0xFF, 0x22]), "invalid UTF-8")
    }

    func testQueryDecodesLikeWerkzeug() {
        let query = Query("a=1&a=2&b=x+y%21&c&d=%zz&e=%C3%A9")
        XCTAssertEqual(query["a"], "1")
        XCTAssertEqual(query["b"], "x y!")
        XCTAssertEqual(query["c"], "")
        XCTAssertEqual(query["d"], "%zz")
        XCTAssertEqual(query["e"], "é")
        XCTAssertNil(query["z"])
    }
}
