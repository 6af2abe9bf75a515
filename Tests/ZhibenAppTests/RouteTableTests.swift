import Foundation
import Testing
import Vapor
@testable import ZhibenApp
import ZhibenDomain

/// Routes and links come from one source: `WebRoute` and `APIRoute` in RoutePatterns.swift.
@Suite("routes: one source registers every route and builds every link")
struct RouteTableTests {
    @Test("a pattern fills its parameters in order, percent-encoded, and matches the paths it makes")
    func patternsFillAndMatch() {
        let a = UUID(), b = UUID()
        #expect(WebRoute.hazardPhoto.path(a, b) == "/hazards/\(a.uuidString)/photos/\(b.uuidString)")
        #expect(SitePath.hazardPhoto(a, b).path == WebRoute.hazardPhoto.path(a, b))
        #expect(APIRoute.plan.path("141181", "2026") == "/api/v1/plans/141181/2026")
        #expect(APIRoute.checklist.path("a b/c") == "/api/v1/checklists/a%20b%2Fc")
        #expect(WebRoute.home.path() == "/")
        #expect(WebRoute.enterpriseChecklist.matches(SitePath.enterpriseChecklist(a).path))
        #expect(!WebRoute.enterpriseChecklist.matches(SitePath.enterprise(a).path))
        #expect(!WebRoute.enterprise.matches(SitePath.enterpriseChecklist(a).path))
    }

    @Test("every link the pages build leads to a registered route")
    func linksLeadToRoutes() async throws {
        try await Harness.with(enterprises: 2) { h in
            let registered = h.app.routes.all.map { $0.path.map(\.description) }
            func routed(_ path: String) -> Bool {
                let parts = path.split(separator: "?")[0].split(separator: "/").map(String.init)
                return registered.contains { r in r.count == parts.count && zip(r, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 } }
            }
            let id = UUID()
            let links: [SitePath] = [
                .home, .login, .enterprises, .enterprise(id), .enterpriseChecklist(id), .hazards, .hazardPhoto(id, id), .hazardZeroing,
                .checklist(.combustibleDust), .monitoringPoints, .monitoringPointTemplate, .provincialLink(id), .alarms, .alarmStream,
                .alarmTransition(id), .draws, .drawInspections(id), .inspectionPhoto(id, id), .examReexam(id), .publicDrawPool(id), .plan,
            ]
            for link in links { #expect(routed(link.path), "\(link.path) has no route") }
            for api in [APIRoute.hazard.path(id), APIRoute.hazardPhoto.path(id, id), APIRoute.inspectionPhoto.path(id, id), APIRoute.telemetry.path()] {
                #expect(routed(api), "\(api) has no route")
            }
        }
    }

    @Test("no route path is written as a string outside RoutePatterns.swift")
    func noPathStringsElsewhere() async throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/ZhibenApp").standardized
        // The first segment of every route the app registers, as the app itself lists them.
        var firsts: Set<String> = []
        try await Harness.with(enterprises: 2) { h in
            for route in h.app.routes.all { if let first = route.path.first?.description { firsts.insert(first) } }
        }
        #expect(firsts.isSuperset(of: ["enterprises", "hazards", "monitoring", "enforcement", "api", "public"]))
        let pathLiteral = try Regex(#""/(\#(firsts.sorted().map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")))[/"?]"#)
        let registration = try Regex(#"\.(get|post|put|patch|delete|on|grouped)\((\.[A-Z]+, )?""#)
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" && $0.lastPathComponent != "RoutePatterns.swift" }
        #expect(files.count > 30, "the sources were found")
        for file in files {
            for (n, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                if code.contains(pathLiteral) || (code.contains(registration) && !code.contains("parameters.get(\"")) {
                    offenders.append("\(file.lastPathComponent):\(n + 1): \(code)")
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
