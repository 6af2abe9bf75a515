import Foundation
import Testing
@testable import ZhibenDomain

@Suite("Figures kept until the audit log's head moves")
struct ChangeKeyedCacheTests {
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n: Int64 = 0
        var value: Int64 { lock.withLock { n } }
        func bump() { lock.withLock { n += 1 } }
    }

    @Test("the same head answers from memory; a moved head computes again; keys apart")
    func headAndKeys() async throws {
        let head = Counter()
        let computed = Counter()
        let cache = ChangeKeyedCache { head.value }
        func read(_ key: String) async throws -> Int64 {
            try await cache.value(key) { computed.bump(); return head.value * 10 }
        }
        #expect(try await read("a") == 0)
        #expect(try await read("a") == 0)
        #expect(computed.value == 1)
        #expect(try await read("b") == 0)
        #expect(computed.value == 2, "another key is computed on its own")
        head.bump()
        #expect(try await read("a") == 10)
        #expect(computed.value == 3)
        let (hits, misses) = (await cache.hits, await cache.misses)
        #expect(hits == 1 && misses == 3)
        let none: ChangeKeyedCache? = nil
        #expect(try await none.value("a") { computed.bump(); return 7 } == 7)
        #expect(try await none.value("a") { computed.bump(); return 7 } == 7)
        #expect(computed.value == 5, "without a cache every read computes")
    }

    @Test("the head is read before computing, so figures computed across a write are read again next time")
    func writeDuringComputation() async throws {
        let head = Counter()
        let cache = ChangeKeyedCache { head.value }
        // A write lands while the figures are computed: they may already include it, but are kept under
        // the older head, and the next read (at the new head) computes again.
        let first = try await cache.value("k") { () -> String in head.bump(); return "computed at head 0, saw the write" }
        #expect(first.hasSuffix("saw the write"))
        let second = try await cache.value("k") { "computed at head 1" }
        #expect(second == "computed at head 1")
    }

    @Test("at capacity the least recently used key goes")
    func capacity() async throws {
        let computed = Counter()
        let cache = ChangeKeyedCache(capacity: 2) { 0 }
        func read(_ key: String) async throws { _ = try await cache.value(key) { computed.bump(); return key } }
        try await read("a")
        try await read("b")
        try await read("a")
        try await read("c")
        #expect(computed.value == 3)
        try await read("a")
        #expect(computed.value == 3, "a was used last and stayed")
        try await read("b")
        #expect(computed.value == 4, "b was the least recently used and went")
    }
}
