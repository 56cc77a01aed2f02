@testable import Attachments
import XCTest

/// The real type comes from the first bytes; the declared type and the extension must agree.
final class FileTypeTests: XCTestCase {
    func testRecognisesEachTypeByItsMagicNumber() {
        XCTAssertEqual(FileType.sniff(ImageFixtures.jpeg()), .jpeg)
        XCTAssertEqual(FileType.sniff(ImageFixtures.png()), .png)
        XCTAssertEqual(FileType.sniff(ImageFixtures.gif()), .gif)
        XCTAssertEqual(FileType.sniff(ImageFixtures.webp()), .webp)
        XCTAssertEqual(FileType.sniff(ImageFixtures.pdf), .pdf)
        XCTAssertEqual(FileType.sniff(Data("plain words, ünïcode".utf8)), .text)
        XCTAssertNil(FileType.sniff(Data([0x4D, 0x5A, 0x90, 0x00])))     // a Windows executable
        XCTAssertNil(FileType.sniff(Data()))
    }

    func testDeclaredTypeAndExtensionMustAgreeWithTheContent() {
        XCTAssertTrue(FileType.jpeg.agrees(declaredType: "image/jpeg", fileName: "photo.JPG"))
        XCTAssertTrue(FileType.jpeg.agrees(declaredType: "image/jpg", fileName: "photo.jpeg"))
        XCTAssertTrue(FileType.png.agrees(declaredType: nil, fileName: "a.png"))
        XCTAssertTrue(FileType.png.agrees(declaredType: "application/octet-stream", fileName: "a.png"))
        XCTAssertFalse(FileType.png.agrees(declaredType: "image/jpeg", fileName: "a.png"))
        XCTAssertFalse(FileType.png.agrees(declaredType: "image/png", fileName: "a.jpg"))
        XCTAssertFalse(FileType.pdf.agrees(declaredType: "application/pdf", fileName: "invoice"))
    }
}
