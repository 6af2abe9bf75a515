import Foundation
import Testing
@testable import ZhibenDomain

@Suite("Permissions and scopes")
struct PermissionTests {
    @Test("enterprise users change only their contacts in the registry, and work their own hazards")
    func enterpriseUser() {
        let p = Role.enterpriseUser.permissions
        #expect(Set(p.filter { $0.rawValue.hasPrefix("enterprise:") }) == Set([.enterpriseRead, .enterpriseUpdateContacts]))
        #expect(p.isSuperset(of: [.hazardRead, .hazardReport, .hazardRectify, .selfInspectionRecord]))
        #expect(p.isDisjoint(with: [.hazardSupervise, .hazardDecideExtension, .checklistManage, .dashboardRead]))
    }

    @Test("only the city administrator manages accounts and API keys")
    func accountsAreAdministrators() {
        for role in Role.allCases {
            #expect(role.permissions.contains(.userCreate) == (role == .cityAdmin), "\(role)")
            #expect(role.permissions.contains(.apiKeyManage) == (role == .cityAdmin), "\(role)")
        }
    }

    @Test("county officers register, edit, classify and deactivate; inspectors and experts do not")
    func countyOfficer() {
        let county = Role.countyOfficer.permissions
        #expect(county.isSuperset(of: [.enterpriseCreate, .enterpriseUpdate, .enterpriseClassify, .enterpriseDeactivate, .enterpriseImport]))
        for role in [Role.inspector, .expert, .enterpriseUser, .cityAdmin] {
            #expect(role.permissions.isDisjoint(with: [.enterpriseCreate, .enterpriseUpdate, .enterpriseDeactivate]), "\(role)")
        }
    }

    @Test("the audit log is for the city")
    func auditIsCity() {
        #expect(Role.allCases.filter { $0.permissions.contains(.auditRead) } == [.cityAdmin, .cityOfficer])
    }

    @Test("a county scope includes only its own county; experts see nothing until assigned")
    func scopes() {
        let id = UUID()
        #expect(Scope.county("141181").includes(countyCode: "141181", enterpriseID: id))
        #expect(!Scope.county("141181").includes(countyCode: "141182", enterpriseID: id))
        #expect(Scope.enterprise(id).includes(countyCode: "141182", enterpriseID: id))
        #expect(!Scope.enterprise(UUID()).includes(countyCode: "141182", enterpriseID: id))
        #expect(!Scope.assigned(UUID()).includes(countyCode: "141181", enterpriseID: id))
        #expect(Caller.scope(role: .countyOfficer, countyCode: nil, enterpriseID: nil, userID: UUID()) == nil)
    }

    @Test("machine clients with API keys read their enterprise and send its readings, nothing else")
    func apiKeysRead() {
        let key = APIKey(name: "gw", enterpriseID: UUID(), prefix: "abc", createdBy: "admin", createdAt: Date())
        #expect(key.caller.permissions == [.enterpriseRead, .monitoringRead, .telemetryWrite])
        #expect(Role.allCases.allSatisfy { !$0.permissions.contains(.telemetryWrite) }, "people do not send readings")
    }
}

@Suite("Login policy")
struct LoginPolicyTests {
    @Test("10 failed logins lock the account for 15 minutes")
    func tenFailuresLock() {
        let now = Date()
        var user = User(username: "u", displayName: "u", role: .cityOfficer, passwordHash: "", createdAt: now)
        for i in 1...9 {
            (user.failedLogins, user.lockedUntil) = LoginPolicy.afterFailure(user, now: now)
            #expect(user.failedLogins == i)
            #expect(!user.isLocked(at: now))
        }
        (user.failedLogins, user.lockedUntil) = LoginPolicy.afterFailure(user, now: now)
        #expect(user.isLocked(at: now.addingTimeInterval(14 * 60)))
        #expect(!user.isLocked(at: now.addingTimeInterval(15 * 60 + 1)))
    }

    @Test("one address gets 5 failed sign-ins per 15 minutes, fewer than lock an account, then waits")
    func addressThrottle() async {
        #expect(LoginPolicy.maxFailuresPerAddress < LoginPolicy.maxFailures)
        let throttle = LoginThrottle()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<5 {
            #expect(await throttle.retryAfter("198.51.100.7", now: t0.addingTimeInterval(Double(i))) == nil)
            await throttle.recordFailure("198.51.100.7", now: t0.addingTimeInterval(Double(i)))
        }
        #expect(await throttle.retryAfter("198.51.100.7", now: t0.addingTimeInterval(5)) == 15 * 60 - 5)
        #expect(await throttle.retryAfter("198.51.100.8", now: t0.addingTimeInterval(5)) == nil)
        #expect(await throttle.retryAfter("198.51.100.7", now: t0.addingTimeInterval(15 * 60)) == nil)
    }

    @Test("any page number a client sends gives an offset without overflow")
    func pagingBounds() {
        #expect(Paging(page: Int.max, per: Int.max).offset == (Paging.maxPage - 1) * Paging.maxPer)
        #expect(Paging(page: Int.min, per: Int.min).offset == 0)
        #expect(Paging(page: Int.min, per: Int.min).per == 1)
    }

    @Test("passwords need at least 10 characters")
    func minimumLength() {
        #expect(LoginPolicy.checkPassword("short") != nil)
        #expect(LoginPolicy.checkPassword("long enough!") == nil)
    }
}

@Suite("Enterprise validation")
struct EnterpriseDraftTests {
    func valid() -> EnterpriseDraft {
        var d = EnterpriseDraft()
        d.creditCode = "91350100M000100Y43"
        d.name = "孝义示例演示铝业有限公司"
        d.countyCode = "141181"
        d.industry = "nonferrous"
        d.principalName = "王建国"
        return d
    }

    @Test("a minimal draft is valid, with defaults")
    func minimal() throws {
        let p = try valid().validate().get()
        #expect(p.scale == .belowDesignated)
        #expect(p.status == .operating)
        #expect(p.standardization == StandardizationGrade.none)
    }

    @Test("labels are accepted as spreadsheets write them: county by name, industry and risks in Chinese")
    func chineseLabels() throws {
        var d = valid()
        d.countyCode = "孝义市"
        d.industry = "有色"
        d.specialRisks = ["深井铸造", "高温熔融金属"]
        let p = try d.validate().get()
        #expect(p.countyCode == "141181")
        #expect(p.specialRisks == [.deepWellCasting, .moltenMetal])
    }

    @Test("every bad field is named with a reason")
    func namesFields() {
        var d = valid()
        d.creditCode = "91350100M000100Y44"
        d.countyCode = "110101"
        d.employees = "-3"
        d.principalPhone = "12345"
        d.township = "不存在镇"
        guard case .failure(.validation(let issues)) = d.validate() else { Issue.record("expected failure"); return }
        #expect(Set(issues.map(\.field)) == ["creditCode", "countyCode", "employees", "principal.phone"])
        #expect(issues.first { $0.field == "creditCode" }!.reasonZh.contains("校验位"))
    }

    @Test("a township must belong to the county")
    func township() {
        var d = valid()
        d.township = "城北街道" // in 离石区, not 孝义市
        guard case .failure(.validation(let issues)) = d.validate() else { Issue.record("expected failure"); return }
        #expect(issues.map(\.field) == ["township"])
    }

    @Test("combustible dust needs a dust type, and dust workers cannot exceed employees")
    func dustRules() {
        var d = valid()
        d.specialRisks = ["combustibleDust"]
        d.employees = "5"
        d.dustWorkers = "8"
        guard case .failure(.validation(let issues)) = d.validate() else { Issue.record("expected failure"); return }
        #expect(Set(issues.map(\.field)) == ["dustTypes", "dustWorkers"])
    }

    @Test("a standardization grade needs its validity date")
    func standardizationDate() {
        var d = valid()
        d.standardization = "level2"
        guard case .failure(.validation(let issues)) = d.validate() else { Issue.record("expected failure"); return }
        #expect(issues.map(\.field) == ["standardizationValidUntil"])
    }

    @Test("a profile survives the round trip through a draft")
    func roundTrip() throws {
        for p in DemoData.enterprises(count: 50) {
            #expect(try EnterpriseDraft(p).validate().get() == p)
        }
    }
}

@Suite("Audit diff")
struct AuditDiffTests {
    @Test("only changed fields are recorded, with before and after")
    func diff() {
        let changes = FieldChange.diff(["a": "1", "b": "2"], ["a": "1", "b": "3", "c": "4"])
        #expect(changes == [FieldChange(field: "b", before: "2", after: "3"), FieldChange(field: "c", before: nil, after: "4")])
    }

    @Test("an empty value and an absent one are the same: a new record lists only what was filled in")
    func emptyIsAbsent() {
        #expect(FieldChange.diff([:], ["a": "", "b": "x"]) == [FieldChange(field: "b", before: nil, after: "x")])
        #expect(FieldChange.diff(["a": "x"], ["a": ""]) == [FieldChange(field: "a", before: "x", after: nil)])
    }
}
