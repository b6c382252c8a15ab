import Foundation
import Formats
import Imaging
import Testing

/// Decoding PNGs of every colour type and bit depth written by an independent encoder
/// (tools/make_format_fixtures.py), against pixel values computed by numpy.
struct PNGFixtureTests {
    /// Each fixture with the header the generator wrote and the channels `read` must return.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let bitDepth: Int
        let colorType: PNGColorType
        let channels: Int
        var interlaced = false
        var transparency = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "gray1", bitDepth: 1, colorType: .gray, channels: 1),
        Case(name: "gray2", bitDepth: 2, colorType: .gray, channels: 1),
        Case(name: "gray4", bitDepth: 4, colorType: .gray, channels: 1),
        Case(name: "gray8", bitDepth: 8, colorType: .gray, channels: 1),
        Case(name: "gray16", bitDepth: 16, colorType: .gray, channels: 1),
        Case(name: "ga8", bitDepth: 8, colorType: .grayAlpha, channels: 2),
        Case(name: "ga16", bitDepth: 16, colorType: .grayAlpha, channels: 2),
        Case(name: "rgb8", bitDepth: 8, colorType: .rgb, channels: 3),
        Case(name: "rgb16", bitDepth: 16, colorType: .rgb, channels: 3),
        Case(name: "rgba8", bitDepth: 8, colorType: .rgba, channels: 4),
        Case(name: "rgba16", bitDepth: 16, colorType: .rgba, channels: 4),
        Case(name: "palette8", bitDepth: 8, colorType: .palette, channels: 3),
        Case(name: "palette4_trns", bitDepth: 4, colorType: .palette, channels: 4, transparency: true),
        Case(name: "gray8_trns", bitDepth: 8, colorType: .gray, channels: 2, transparency: true),
        Case(name: "rgb8_interlaced", bitDepth: 8, colorType: .rgb, channels: 3, interlaced: true),
        Case(name: "gray2_interlaced", bitDepth: 2, colorType: .gray, channels: 1, interlaced: true),
    ]

    @Test(arguments: cases)
    func infoReportsTheHeader(_ fixture: Case) throws {
        let info = try PNG.info(FixtureFiles.url("\(fixture.name).png"))
        let expected = try FixtureFiles.expectedRaster("\(fixture.name).u8.npy")
        #expect(info.width == expected.width)
        #expect(info.height == expected.height)
        #expect(info.bitDepth == fixture.bitDepth)
        #expect(info.colorType == fixture.colorType)
        #expect(info.channels == fixture.channels)
        #expect(info.interlaced == fixture.interlaced)
        #expect(info.hasTransparency == fixture.transparency)
    }

    @Test(arguments: cases)
    func readReturnsNativeChannelsAtEightBits(_ fixture: Case) throws {
        let image = try PNG.read(FixtureFiles.url("\(fixture.name).png"))
        #expect(image == (try FixtureFiles.expectedRaster("\(fixture.name).u8.npy")))
    }

    @Test(arguments: cases)
    func read16ReturnsNativeChannelsAtSixteenBits(_ fixture: Case) throws {
        let image = try PNG.read16(FixtureFiles.url("\(fixture.name).png"))
        #expect(image == (try FixtureFiles.expectedRaster16("\(fixture.name).u16.npy")))
    }

    @Test(arguments: cases)
    func readGrayMatchesPILConvertL(_ fixture: Case) throws {
        let image = try PNG.readGray(FixtureFiles.url("\(fixture.name).png"))
        #expect(image == (try FixtureFiles.expectedRaster("\(fixture.name).gray.npy")))
    }

    @Test(arguments: cases)
    func readRGBReplicatesGrayAndDropsAlpha(_ fixture: Case) throws {
        let image = try PNG.readRGB(FixtureFiles.url("\(fixture.name).png"))
        #expect(image == (try FixtureFiles.expectedRaster("\(fixture.name).rgb.npy")))
    }

    @Test func decodeOfBytesEqualsReadOfFile() throws {
        let url = FixtureFiles.url("rgba8.png")
        #expect(try PNG.decode(Data(contentsOf: url), name: "rgba8.png") == PNG.read(url))
    }
}
