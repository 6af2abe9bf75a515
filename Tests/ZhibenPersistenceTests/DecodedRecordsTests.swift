import Foundation
import Testing
@testable import ZhibenPersistence

@Suite("records kept decoded")
struct DecodedRecordsTests {
    @Test("a kept record is given back only for the same stored text; the least recently used goes at capacity")
    func sameTextOnly() {
        let kept = FluentRecordRepository.DecodedRecords(capacity: 2)
        kept.keep("first", "permits", "a", body: #"{"place":"tank 1"}"#)
        #expect(kept.record("permits", "a", body: #"{"place":"tank 1"}"#) as? String == "first")
        #expect(kept.record("permits", "a", body: #"{"place":"tank 2"}"#) == nil, "another document for the id is decoded afresh")
        #expect(kept.record("workers", "a", body: #"{"place":"tank 1"}"#) == nil, "tables apart")
        kept.keep("second", "permits", "b", body: "{}")
        _ = kept.record("permits", "a", body: #"{"place":"tank 1"}"#)
        kept.keep("third", "permits", "c", body: "{}")
        #expect(kept.record("permits", "a", body: #"{"place":"tank 1"}"#) as? String == "first")
        #expect(kept.record("permits", "b", body: "{}") == nil, "b was the least recently used")
        #expect(kept.record("permits", "c", body: "{}") as? String == "third")
    }
}
