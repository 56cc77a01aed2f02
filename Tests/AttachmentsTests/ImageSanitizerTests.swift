@testable import Attachments
import XCTest

/// Sizes from headers; metadata stripped, Orientation kept, pixels untouched.
final class ImageSanitizerTests: XCTestCase {
    var directory: URL { temporary.url }
    let temporary = TemporaryDirectory()

    func strip(_ type: FileType, _ data: Data) throws -> (ImageSize, Data) {
        let input = directory.appendingPathComponent("in"), output = directory.appendingPathComponent("out")
        try data.write(to: input)
        let size = try ImageSanitizer.process(type, input: input, output: output)
        return (size, try Data(contentsOf: output))
    }

    func testJPEGLosesEXIFGPSXMPAndCommentsButKeepsOrientationAndPixels() throws {
        let original = ImageFixtures.jpeg(width: 640, height: 480, orientation: 6)
        XCTAssertTrue(original.contains(ImageFixtures.secret))
        let (size, stripped) = try strip(.jpeg, original)
        XCTAssertEqual(size, ImageSize(width: 640, height: 480))
        XCTAssertFalse(stripped.contains(ImageFixtures.secret))
        XCTAssertFalse(stripped.contains("xmpmeta"))
        let exif = try XCTUnwrap(stripped.range(of: Data("Exif\0\0".utf8)))
        XCTAssertEqual(ExifOrientation.read(fromTIFF: stripped.subdata(in: exif.upperBound..<stripped.count)), 6)
        let scan = try XCTUnwrap(original.range(of: Data([0xFF, 0xDA])))
        XCTAssertTrue(stripped.hasSuffix(original.subdata(in: scan.lowerBound..<original.count)), "the scan data is copied untouched")
        XCTAssertEqual(try ImageSanitizer.process(.jpeg, input: directory.appendingPathComponent("out"), output: nil), size)
    }

    func testPNGLosesTextAndEXIFChunksButKeepsOrientation() throws {
        let (size, stripped) = try strip(.png, ImageFixtures.png(width: 32, height: 16))
        XCTAssertEqual(size, ImageSize(width: 32, height: 16))
        XCTAssertFalse(stripped.contains(ImageFixtures.secret))
        XCTAssertFalse(stripped.contains("tEXt"))
        let exif = try XCTUnwrap(stripped.range(of: Data("eXIf".utf8)))
        XCTAssertEqual(ExifOrientation.read(fromTIFF: stripped.subdata(in: exif.upperBound..<stripped.count)), 3)
        XCTAssertTrue(stripped.contains("IDAT") && stripped.contains("IEND"))
    }

    func testWebPLosesXMPAndEXIFExceptOrientationAndFixesItsHeader() throws {
        let (size, stripped) = try strip(.webp, ImageFixtures.webp(width: 300, height: 200))
        XCTAssertEqual(size, ImageSize(width: 300, height: 200))
        XCTAssertFalse(stripped.contains(ImageFixtures.secret))
        XCTAssertFalse(stripped.contains("XMP "))
        let riffSize = stripped.subdata(in: 4..<8).reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(riffSize, stripped.count - 8)
        XCTAssertEqual(stripped[20] & 0x0C, 0x08, "VP8X flags: EXIF kept, XMP gone")
        let exif = try XCTUnwrap(stripped.range(of: Data("EXIF".utf8)))
        XCTAssertEqual(ExifOrientation.read(fromTIFF: stripped.subdata(in: exif.upperBound + 4..<stripped.count)), 8)
    }

    func testGIFIsMeasured() throws {
        let input = directory.appendingPathComponent("in.gif")
        try ImageFixtures.gif(width: 10, height: 12).write(to: input)
        XCTAssertEqual(try ImageSanitizer.process(.gif, input: input, output: nil), ImageSize(width: 10, height: 12))
    }

    func testATruncatedImageIsRefused() throws {
        let input = directory.appendingPathComponent("cut.jpg")
        try ImageFixtures.jpeg().prefix(40).write(to: input)
        XCTAssertThrowsError(try ImageSanitizer.process(.jpeg, input: input, output: nil))
    }
}

extension Data {
    func hasSuffix(_ suffix: Data) -> Bool { count >= suffix.count && self.suffix(suffix.count) == suffix }
}
