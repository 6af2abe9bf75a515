import Foundation
import Testing
@testable import ZhibenApp
import ZhibenDomain

@Suite("recorded values in words")
struct NamesTests {
    @Test("an inspection's recorded results read as counts per outcome with the failed items, never as codes and ids")
    func results() {
        let v = "MHC-4-01=fail→\(UUID().uuidString);MHC-4-02=pass;MHC-4-03=pass;MHC-13-01=notChecked;8F0C1D2E-0000-4000-8000-000000000001=notApplicable"
        let zh = RecordNames.valueHTML(v, field: "results", .zh).raw
        #expect(zh == "共 5 项：符合 2、不符合 1、不适用 1、未检查 1（不符合：MHC-4-01）")
        #expect(!RecordNames.valueHTML(v, field: "results", .en).raw.contains("→"))
    }

    @Test("officers by name whatever the order of the recorded keys; seeds and digests as code; plain values in words")
    func values() {
        let a = #"[{"id":"5747F4D8-8E75-40C6-8798-29A3C1EFD968","name":"郭秀英"},{"name":"马卫东","id":"2251168F-30DF-4326-AB8E-7A746768DE72"}]"#
        #expect(RecordNames.valueHTML(a, field: "inspectors", .zh).raw == "郭秀英、马卫东")
        #expect(RecordNames.valueHTML("dSzFJLcOft8Sw5a0", field: "seed", .zh).raw == "<code>dSzFJLcOft8Sw5a0</code>")
        #expect(RecordNames.valueHTML("<b>", field: "seed", .zh).raw == "<code>&lt;b&gt;</code>")
        #expect(RecordNames.valueHTML("completed", field: "state", .zh).raw == "已完成")
        #expect(RecordNames.valueHTML("", field: "state", .zh).raw == "∅")
        #expect(RecordNames.valueHTML("combustibleDust,confinedSpace", field: "specialRisks", .zh).raw == "\(SpecialRisk.combustibleDust.zh)、\(SpecialRisk.confinedSpace.zh)")
        #expect(RecordNames.valueHTML("analog", field: "kind", .zh).raw == MonitoringPoint.Kind.analog.zh)
        #expect(RecordNames.valueHTML("operating", field: "status", .zh).raw == OperatingStatus.operating.zh)
        #expect(RecordNames.valueHTML("[]", field: "conflicts", .zh).raw == "无")
        #expect(RecordNames.valueHTML(#"["metallurgy","gas"]"#, field: "specialties", .zh).raw == "\(Specialty.metallurgy.zh)、\(Specialty.gas.zh)")
        let keys = #"[{"enterpriseID":"C2B7D061-A856-477A-A361-308F1B474555","month":5,"name":"离石恒泰演示商贸有限公司","style":"routine"}]"#
        #expect(RecordNames.valueHTML(keys, field: "keyEnterprises", .zh).raw == "离石恒泰演示商贸有限公司")
    }
}
