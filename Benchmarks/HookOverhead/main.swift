import Foundation
import PluginAPI
import PluginDispatch

// Hook dispatcher overhead: messages per second through HookPipeline.prepare with 0, 1 and 5
// no-op plugins (one validator each), and the cost per plugin per message. Prints; never asserts.
// Run: swift run -c release hook-overhead [messages]

struct NoOp: Sendable {
    static func plugin(_ index: Int) -> ActivatedPlugin {
        ActivatedPlugin(id: "noop-\(index)", contributions: PluginContributions(validators: [
            MessageValidator(name: "noop", budget: .milliseconds(50), policy: .failOpen) { _, _ in .allow },
        ]))
    }
}

let messages = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let context = HookContext(site: SiteInfo(id: "bench", tier: "bench"))
let draft = MessageDraft(kind: .visitor, sessionID: "session_bench", text: "Hello, I have a question about my order.")
let clock = ContinuousClock()

func measure(plugins count: Int) async -> Double {
    let plugins = (0..<count).map(NoOp.plugin)
    let pipeline = HookPipeline(plugins: plugins)
    let enabled = plugins.map(\.id)
    for _ in 0..<1_000 { _ = await pipeline.prepare(draft, context: context, enabled: enabled) }
    let start = clock.now
    for _ in 0..<messages { _ = await pipeline.prepare(draft, context: context, enabled: enabled) }
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

print("hook-overhead: \(messages) messages per configuration, one no-op validator per plugin")
print("plugins  messages/s    µs/message  µs/plugin/message")
var baseline = 0.0
for count in [0, 1, 5] {
    let seconds = await measure(plugins: count)
    let perMessage = seconds / Double(messages) * 1e6
    if count == 0 { baseline = perMessage }
    let perPlugin = count == 0 ? 0 : (perMessage - baseline) / Double(count)
    print(String(format: "%7d  %10.0f  %12.2f  %17.2f", count, Double(messages) / seconds, perMessage, perPlugin))
}
