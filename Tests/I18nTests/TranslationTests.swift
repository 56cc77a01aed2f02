import Foundation
import I18n
import PluginAPI
import PluginTesting
import XCTest

/// Message translation against a mock host whose outbound HTTP answers like Apertium APy or
/// LibreTranslate.
final class TranslationTests: XCTestCase {
    let host = MockHost()
    let spanish = MessageMetadata(["i18n": ["language": "es-ES"]])

    override func setUp() {
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowStorage()
    }

    func apertium(budget: Double = 2, sites: [SiteTranslation] = []) -> I18n.Configuration {
        I18n.Configuration(translation: TranslationConfiguration(provider: "apertium", url: "http://apy.test:2737/",
                                                                 budgetSeconds: budget, sites: sites))
    }

    func harness(_ configuration: I18n.Configuration, site: String = "test") async throws -> HookHarness {
        try await HookHarness(I18n.self, configuration: configuration, host: host, site: SiteInfo(id: site, tier: "test"))
    }

    func testASpanishVisitorMessageReachesTheAgentInEnglishWithItsOriginal() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        let prepared = await harness.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        XCTAssertEqual(prepared.text, "Hello, I need help")
        XCTAssertEqual(prepared.metadata?["i18n"], ["original": "Hola, necesito ayuda", "language": "es"])
        let request = try XCTUnwrap(host.httpRequests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "http://apy.test:2737/translate")
        XCTAssertEqual(FakeApertium.form(request)["langpair"], "spa|eng")
        XCTAssertEqual(FakeApertium.form(request)["markUnknown"], "no")
        XCTAssertLessThanOrEqual(request.timeout, .seconds(2))
    }

    func testAnAgentReplyReachesTheVisitorInTheLanguageTheyWroteIn() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        _ = await harness.prepare(visitor: "Hola, necesito ayuda", sessionID: "session_es", clientMetadata: spanish)
        let reply = await harness.prepare(agent: "Your order has shipped", sessionID: "session_es")
        XCTAssertEqual(reply.text, "Vuestro orden ha embarcado")
        XCTAssertEqual(reply.metadata?["i18n"], ["original": "Your order has shipped", "language": "en"])
        XCTAssertEqual(FakeApertium.form(host.httpRequests[1])["langpair"], "eng|spa")
        // Another conversation's visitor wrote nothing yet: the reply stays as written.
        let other = await harness.prepare(agent: "Your order has shipped", sessionID: "session_other")
        XCTAssertEqual(other.text, "Your order has shipped")
        XCTAssertEqual(other.metadata, MessageMetadata())
    }

    func testADeletedConversationsLanguageIsForgotten() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        _ = await harness.prepare(visitor: "Hola, necesito ayuda", sessionID: "session_gone", clientMetadata: spanish)
        try await harness.deleteConversations(["session_gone"])
        let remembered = try await host.storage.keys(prefix: "visitor-language:")
        XCTAssertEqual(remembered, [])
        let reply = await harness.prepare(agent: "Your order has shipped", sessionID: "session_gone")
        XCTAssertEqual(reply.text, "Your order has shipped")
    }

    func testMessagesInTheAgentLanguageOrWithoutALanguageAreLeftAloneWithApertium() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        let english = await harness.prepare(visitor: "Hello", clientMetadata: MessageMetadata(["i18n": ["language": "en"]]))
        XCTAssertEqual(english.metadata, MessageMetadata())
        let unknown = await harness.prepare(visitor: "Hola, necesito ayuda")  // APy cannot detect
        XCTAssertEqual(unknown.text, "Hola, necesito ayuda")
        XCTAssertEqual(unknown.metadata, MessageMetadata())
        let forged = await harness.prepare(visitor: "Hola", clientMetadata: MessageMetadata(["i18n": ["language": "../etc"]]))
        XCTAssertEqual(forged.metadata, MessageMetadata())
        XCTAssertEqual(host.httpRequests, [])
    }

    func testAProviderThatIsDownKeepsTheMessageAndFlagsIt() async throws {
        host.allowHTTP { _ in throw PluginHTTPError.connectionFailed("connection refused") }
        let harness = try await harness(apertium())
        let prepared = await harness.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        XCTAssertEqual(prepared.text, "Hola, necesito ayuda")
        XCTAssertEqual(prepared.metadata?["i18n"], ["untranslated": "unavailable", "language": "es"])
        XCTAssertTrue(host.logs.contains { $0.message.contains("stored untranslated (unavailable)") })
    }

    func testASlowProviderIsCutOffWithinTheBudgetAndTheMessageFlagged() async throws {
        host.allowHTTP { request in
            // Ignores cancellation, as a stuck connection might.
            let until = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(50)) }
            return FakeApertium.respond(request)
        }
        let harness = try await harness(apertium(budget: 0.4))
        let started = ContinuousClock.now
        let prepared = await harness.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(prepared.text, "Hola, necesito ayuda")
        XCTAssertEqual(prepared.metadata?["i18n"], ["untranslated": "timeout", "language": "es"])
        XCTAssertLessThan(elapsed, .milliseconds(400))
    }

    func testAPairTheProviderLacksIsFlaggedUnsupported() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        let prepared = await harness.prepare(visitor: "Bonjour", clientMetadata: MessageMetadata(["i18n": ["language": "fr"]]))
        XCTAssertEqual(prepared.text, "Bonjour")
        XCTAssertEqual(prepared.metadata?["i18n"], ["untranslated": "unsupported", "language": "fr"])
    }

    func testATextWhoseOriginalWouldNotFitTheMetadataIsNotTranslated() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let harness = try await harness(apertium())
        let prepared = await harness.prepare(visitor: String(repeating: "palabra ", count: 1200), clientMetadata: spanish)
        XCTAssertEqual(prepared.metadata?["i18n"], ["untranslated": "too_long", "language": "es"])
        XCTAssertEqual(host.httpRequests, [])
    }

    func testLibreTranslateGetsItsJSONAndDetectsTheLanguageWithoutAHint() async throws {
        host.allowHTTP { FakeLibreTranslate.respond($0) }
        var settings = TranslationConfiguration(provider: "libretranslate", url: "https://translate.example")
        settings.apiKey = "secret-key"
        let harness = try await harness(I18n.Configuration(translation: settings))
        let prepared = await harness.prepare(visitor: "¿Dónde está mi pedido?", sessionID: "session_lt")
        XCTAssertEqual(prepared.text, "Where is my order?")
        XCTAssertEqual(prepared.metadata?["i18n"], ["original": "¿Dónde está mi pedido?", "language": "es"])
        XCTAssertEqual(FakeLibreTranslate.body(host.httpRequests[0]),
                       ["q": "¿Dónde está mi pedido?", "source": "auto", "target": "en", "format": "text", "api_key": "secret-key"])
        XCTAssertEqual(host.httpRequests[0].url.absoluteString, "https://translate.example/translate")
        // The detected language is remembered for the replies.
        let reply = await harness.prepare(agent: "It arrives tomorrow", sessionID: "session_lt")
        XCTAssertEqual(reply.text, "Llega mañana")
        XCTAssertEqual(FakeLibreTranslate.body(host.httpRequests[1])["source"], "en")
        XCTAssertEqual(FakeLibreTranslate.body(host.httpRequests[1])["target"], "es")
    }

    func testSitesTurnTranslationOffOrHaveTheirOwnAgentLanguage() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        let sites = [SiteTranslation(site: "quiet", enabled: false), SiteTranslation(site: "madrid", agentLanguage: "es")]
        let quiet = try await harness(apertium(sites: sites), site: "quiet")
        let untouched = await quiet.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        XCTAssertEqual(untouched.metadata, MessageMetadata())
        let madrid = try await harness(apertium(sites: sites), site: "madrid")
        let spanishAgents = await madrid.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        XCTAssertEqual(spanishAgents.metadata, MessageMetadata())
        let english = await madrid.prepare(visitor: "Hello", sessionID: "session_en", clientMetadata: MessageMetadata(["i18n": ["language": "en"]]))
        XCTAssertEqual(english.text, "Hola")
        XCTAssertEqual(host.httpRequests.count, 1)
        var off = TranslationConfiguration()
        off.sites = [SiteTranslation(site: "only", enabled: true)]
        off.url = "http://apy.test"
        let other = try await harness(I18n.Configuration(translation: off), site: "elsewhere")
        let plain = await other.prepare(visitor: "Hola, necesito ayuda", clientMetadata: spanish)
        XCTAssertEqual(plain.metadata, MessageMetadata())
    }

    func testTheWarmUpStartsEveryPairOfTheAgentLanguage() async throws {
        host.allowHTTP { FakeApertium.respond($0) }
        try await I18n(configuration: apertium()).run(host: host)
        XCTAssertEqual(host.httpRequests.map(\.url.path), ["/listPairs", "/translate", "/translate"])
        XCTAssertEqual(host.httpRequests.dropFirst().map { FakeApertium.form($0)["langpair"] }, ["spa|eng", "eng|spa"])
        XCTAssertTrue(host.logs.contains { $0.message.contains("warmed up") })
        // LibreTranslate: one translation from the agent language.
        let libre = MockHost()
        libre.allowHTTP { FakeLibreTranslate.respond($0) }
        try await I18n(configuration: I18n.Configuration(translation: TranslationConfiguration(provider: "libretranslate", url: "https://lt.example")))
            .run(host: libre)
        XCTAssertEqual(libre.httpRequests.map { FakeLibreTranslate.body($0)["source"] }, ["en"])
        // Without translation there is nothing to warm up.
        try await I18n(configuration: I18n.Configuration()).run(host: host)
        XCTAssertEqual(host.httpRequests.count, 3)
    }
}
