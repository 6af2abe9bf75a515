import Foundation

/// How an enterprise's gateways that speak the provincial dust-explosion monitoring interface (as Hebei
/// published it, V1.1) reach Zhiben: its 12-digit enterprise code (`qybm`), the 8-character DES key
/// they encrypt with, and which 19-digit provincial point code (`tnm`) is which of its points.
public struct ProvincialLink: Sendable, Equatable {
    public var enterpriseID: UUID
    public var countyCode: String
    public var enterpriseName: String
    public var qybm: String
    public var key: String
    /// Provincial point code (`tnm`) → the point's code here.
    public var points: [String: String]
    public var updatedAt: Date
    public var updatedBy: String
    public var version: Int

    public init(enterpriseID: UUID, countyCode: String, enterpriseName: String, qybm: String, key: String, points: [String: String],
                updatedAt: Date, updatedBy: String, version: Int = 1) {
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.enterpriseName = enterpriseName
        self.qybm = qybm
        self.key = key
        self.points = points
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
        self.version = version
    }

    /// The key as lists show it: its last two characters.
    public var maskedKey: String { String(repeating: "*", count: max(0, key.count - 2)) + key.suffix(2) }
}

public struct ProvincialLinkDraft: Sendable, Equatable {
    public var qybm: String
    /// Nil on a change: the key stays.
    public var key: String?
    public var points: [(tnm: String, point: String)]

    public init(qybm: String, key: String?, points: [(tnm: String, point: String)]) {
        self.qybm = qybm
        self.key = key
        self.points = points
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.qybm == b.qybm && a.key == b.key && a.points.map { "\($0.tnm)=\($0.point)" } == b.points.map { "\($0.tnm)=\($0.point)" }
    }
}

/// A gateway's own alarm event (`/api/eventsData`), kept as sent beside the alarms Zhiben raises from
/// the readings against the enterprise's limits.
public struct GatewayEvent: Sendable, Equatable {
    public var id: UUID
    public var enterpriseID: UUID
    public var countyCode: String
    /// The point here, when `oname` names one (by provincial code, code or name).
    public var pointCode: String?
    public var oname: String
    public var ts: Date
    public var value: String
    /// 0: cleared; other codes: the gateway's alarm levels.
    public var code: Int
    public var threshold: String
    public var content: String
    public var receivedAt: Date

    public init(id: UUID = UUID(), enterpriseID: UUID, countyCode: String, pointCode: String?, oname: String, ts: Date, value: String, code: Int,
                threshold: String, content: String, receivedAt: Date) {
        self.id = id
        self.enterpriseID = enterpriseID
        self.countyCode = countyCode
        self.pointCode = pointCode
        self.oname = oname
        self.ts = ts
        self.value = value
        self.code = code
        self.threshold = threshold
        self.content = content
        self.receivedAt = receivedAt
    }
}

public protocol ProvincialLinkRepository: Sendable {
    func find(enterpriseID: UUID, scope: Scope) async throws -> ProvincialLink?
    /// Whatever the scope: the interface finds the enterprise by the code a gateway sends.
    func find(qybm: String) async throws -> ProvincialLink?
    /// Creates or replaces the enterprise's link in one audited write; 409 when another enterprise has
    /// the code, a stale `expectedVersion` changes nothing.
    func save(_ link: ProvincialLink, expectedVersion: Int?, audit: AuditContext) async throws -> ProvincialLink
    /// Stores the events not stored before (same enterprise, object, time and code); returns how many.
    func record(_ events: [GatewayEvent]) async throws -> Int
    func events(enterpriseID: UUID, scope: Scope, page: Paging) async throws -> Paged<GatewayEvent>
}

public enum ProvincialRules {
    public static let maxEvents = 10_000
    /// The longest encrypted `data` taken: 256 KiB of hex, about 1,000 readings of 80 characters as
    /// Base64 then hex (a gateway sends each point's latest reading, a few hundred points at most).
    /// Longer text is refused before any decryption, so a stranger cannot make the server work for them.
    public static let maxSealed = 262_144
    /// The largest request body read without the enterprise's API key: an encrypted batch and its envelope.
    public static let maxAnonymousBody = maxSealed + 4_096
    /// The one answer for an unknown enterprise code, a wrong key and plain data without the API key, so
    /// the answers do not tell which codes are registered.
    public static let refused = ProvincialAnswer(code: 401, msg: "未通过验证：企业编码未登记接入，或密钥、接口密钥不符")

    public static func issues(_ d: ProvincialLinkDraft, knownCodes: Set<String>, keyRequired: Bool) -> [FieldIssue] {
        var out: [FieldIssue] = []
        if d.qybm.count != 12 || !d.qybm.allSatisfy { $0.isASCII && $0.isNumber } {
            out.append(FieldIssue(field: "qybm", zh: "企业编码应为12位数字", en: "the enterprise code must be 12 digits"))
        }
        if let key = d.key {
            if key.utf8.count != 8 || !key.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) {
                out.append(FieldIssue(field: "key", zh: "加密密钥应为8个字符（字母、数字或符号）", en: "the key must be 8 characters (letters, digits or symbols)"))
            }
        } else if keyRequired {
            out.append(FieldIssue(field: "key", zh: "请填写加密密钥（8个字符）", en: "the key (8 characters) is required"))
        }
        var seen: Set<String> = []
        for (i, p) in d.points.enumerated() {
            if p.tnm.count != 19 || !p.tnm.allSatisfy { $0.isASCII && $0.isNumber } {
                out.append(FieldIssue(field: "points[\(i)].tnm", zh: "测点编码应为19位数字：\(p.tnm)", en: "the provincial point code must be 19 digits: \(p.tnm)"))
            } else if !seen.insert(p.tnm).inserted {
                out.append(FieldIssue(field: "points[\(i)].tnm", zh: "测点编码重复：\(p.tnm)", en: "provincial point code given twice: \(p.tnm)"))
            }
            if !knownCodes.contains(p.point) {
                out.append(FieldIssue(field: "points[\(i)].point", zh: "本企业没有编号为 \(p.point) 的监测点位", en: "the enterprise has no point \(p.point)"))
            }
        }
        return out
    }

    /// "YYYY-MM-DD HH:MM:SS", Beijing time, as the gateways write it.
    public static func time(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" })
        guard parts.count == 6, let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]), let h = Int(parts[3]),
              let mi = Int(parts[4]), let s = Int(parts[5]), (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h),
              (0...59).contains(mi), (0...60).contains(s) else { return nil }
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (y, mo, d, h, mi, s)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        guard let date = calendar.date(from: c), calendar.component(.day, from: date) == d else { return nil }
        return date
    }
}

/// The interface's encryption of `data`: DES-CBC with the enterprise's key (also the IV) and PKCS#5
/// padding, then Base64, then the Base64 text as upper-case hex.
public enum ProvincialCodec {
    public enum Failure: Error { case hex, base64, cipher, key }

    public static func seal(_ plain: Data, key: String) throws -> String {
        let k = Array(key.utf8)
        let cipher = try DES(key: k).encryptCBC(Array(plain), iv: k)
        return Data(Data(cipher).base64EncodedString().utf8).map { String(format: "%02X", $0) }.joined()
    }

    public static func open(_ text: String, key: String) throws -> Data {
        let k = Array(key.utf8)
        guard k.count == 8 else { throw Failure.key }
        let hex = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard hex.count % 2 == 0, !hex.isEmpty else { throw Failure.hex }
        var ascii: [UInt8] = []
        ascii.reserveCapacity(hex.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        for i in stride(from: 0, to: hex.count, by: 2) {
            guard let hi = nibble(hex[i]), let lo = nibble(hex[i + 1]) else { throw Failure.hex }
            ascii.append(hi << 4 | lo)
        }
        guard let cipher = Data(base64Encoded: Data(ascii), options: .ignoreUnknownCharacters) else { throw Failure.base64 }
        do {
            return Data(try DES(key: k).decryptCBC(Array(cipher), iv: k))
        } catch {
            throw Failure.cipher
        }
    }
}

/// What the interface answers: `{"code": 200, "msg": "操作成功", "data": null}`, or an error code
/// with a Chinese message. Partly accepted batches answer 200 with the counts and the refused items.
public struct ProvincialAnswer: Sendable, Equatable {
    public var code: Int
    public var msg: String
    public var rejections: [(index: Int, reason: String)]

    public init(code: Int, msg: String, rejections: [(index: Int, reason: String)] = []) {
        self.code = code
        self.msg = msg
        self.rejections = rejections
    }

    public static let ok = ProvincialAnswer(code: 200, msg: "操作成功")

    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.msg == b.msg && a.rejections.map { "\($0.index):\($0.reason)" } == b.rejections.map { "\($0.index):\($0.reason)" }
    }
}

/// The provincial interface (`/api/rtsData`, `/api/eventsData`) and each enterprise's link to it.
public struct ProvincialService: Sendable {
    public let links: any ProvincialLinkRepository
    public let points: any MonitoringPointRepository
    public let enterprises: any EnterpriseRepository
    public let telemetry: TelemetryService
    public let clock: any WallClock

    public init(links: any ProvincialLinkRepository, points: any MonitoringPointRepository, enterprises: any EnterpriseRepository,
                telemetry: TelemetryService, clock: any WallClock) {
        self.links = links
        self.points = points
        self.enterprises = enterprises
        self.telemetry = telemetry
        self.clock = clock
    }

    public func link(enterpriseID: UUID, actor: Caller) async throws -> ProvincialLink? {
        try actor.require(.monitoringRead)
        guard try await enterprises.find(id: enterpriseID, scope: actor.scope) != nil else { throw DomainError.notFound(entity: "enterprise") }
        return try await links.find(enterpriseID: enterpriseID, scope: actor.scope)
    }

    /// Sets the enterprise's code, key and point codes (the enterprise itself, like its points).
    public func configure(enterpriseID: UUID, _ draft: ProvincialLinkDraft, expectedVersion: Int?, actor: Caller, origin: String? = nil) async throws -> ProvincialLink {
        try actor.require(.monitoringManage)
        guard let e = try await enterprises.find(id: enterpriseID, scope: actor.scope) else { throw DomainError.notFound(entity: "enterprise") }
        let current = try await links.find(enterpriseID: enterpriseID, scope: actor.scope)
        let codes = Set(try await points.points(enterpriseID: enterpriseID, codes: draft.points.map(\.point)).keys)
        let issues = ProvincialRules.issues(draft, knownCodes: codes, keyRequired: current == nil)
        guard issues.isEmpty else { throw DomainError.validation(issues) }
        let now = clock.now()
        let link = ProvincialLink(enterpriseID: e.id, countyCode: e.profile.countyCode, enterpriseName: e.profile.name, qybm: draft.qybm,
                                  key: draft.key ?? current?.key ?? "", points: Dictionary(draft.points.map { ($0.tnm, $0.point) }, uniquingKeysWith: { a, _ in a }),
                                  updatedAt: now, updatedBy: actor.username, version: (current?.version ?? 0) + 1)
        return try await links.save(link, expectedVersion: expectedVersion, audit: AuditContext(actor: actor, at: now, origin: origin))
    }

    public func events(enterpriseID: UUID, page: Paging, actor: Caller) async throws -> Paged<GatewayEvent> {
        try actor.require(.monitoringRead)
        guard try await enterprises.find(id: enterpriseID, scope: actor.scope) != nil else { throw DomainError.notFound(entity: "enterprise") }
        return try await links.events(enterpriseID: enterpriseID, scope: actor.scope, page: page)
    }

    public enum Endpoint: Sendable { case realtime, events }

    /// One request of a gateway. `caller`: who the request's bearer token is, if it sent one (plain
    /// `data` needs the enterprise's API key; encrypted `data` proves itself by its key).
    public func receive(_ endpoint: Endpoint, body: Data, caller: Caller?) async throws -> ProvincialAnswer {
        guard let top = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return ProvincialAnswer(code: 400, msg: "请求体不是有效的JSON对象")
        }
        guard let qybm = Self.text(top["qybm"]), !qybm.isEmpty else { return ProvincialAnswer(code: 400, msg: "缺少企业编码 qybm") }
        // An unknown code is answered as a wrong key is, after the same work, so answers and timing do not
        // tell which codes are registered.
        let found = try await links.find(qybm: qybm)
        let link = found ?? ProvincialLink(enterpriseID: Self.nobody, countyCode: "", enterpriseName: "", qybm: qybm, key: "unknown!",
                                           points: [:], updatedAt: Date(timeIntervalSince1970: 0), updatedBy: "", version: 0)
        let wgbm = Self.text(top["wgbm"]) ?? ""
        let payload: [String: Any]
        switch top["data"] {
        case let sealed as String:
            // Decrypting is work done before the sender is known: a batch's worth of text, no more.
            guard sealed.utf8.count <= ProvincialRules.maxSealed else {
                return ProvincialAnswer(code: 413, msg: "data 过长：加密后最多\(ProvincialRules.maxSealed)个字符")
            }
            guard let plain = try? ProvincialCodec.open(sealed, key: link.key), found != nil,
                  let object = try? JSONSerialization.jsonObject(with: plain) as? [String: Any] else {
                return ProvincialRules.refused
            }
            payload = object
        case let object as [String: Any]:
            guard found != nil, caller?.scope == .enterprise(link.enterpriseID), caller?.kind == .apiKey else { return ProvincialRules.refused }
            payload = object
        default:
            // eventsData may carry its list at the top level.
            guard endpoint == .events, top["events"] != nil else { return ProvincialAnswer(code: 400, msg: "缺少 data") }
            guard found != nil, caller?.scope == .enterprise(link.enterpriseID), caller?.kind == .apiKey else { return ProvincialRules.refused }
            payload = top
        }
        let gateway = Caller(kind: .apiKey, id: nil, username: "省级接口 \(qybm)\(wgbm.isEmpty ? "" : "/" + wgbm)", role: .enterpriseUser,
                             scope: .enterprise(link.enterpriseID))
        switch endpoint {
        case .realtime: return try await realtime(payload, link: link, gateway: gateway)
        case .events: return try await events(payload, link: link)
        }
    }

    func realtime(_ payload: [String: Any], link: ProvincialLink, gateway: Caller) async throws -> ProvincialAnswer {
        guard let rts = payload["rts"] as? [Any] else { return ProvincialAnswer(code: 400, msg: "data 中缺少 rts 数组") }
        guard rts.count <= TelemetryRules.maxReadings else { return ProvincialAnswer(code: 400, msg: "每次最多\(TelemetryRules.maxReadings)条数据") }
        let kinds = try await points.points(enterpriseID: link.enterpriseID, codes: Array(Set(link.points.values))).mapValues(\.kind)
        var raw: [RawReading] = []
        var origin: [Int] = []
        var rejections: [(index: Int, reason: String)] = []
        for (i, item) in rts.enumerated() {
            guard let r = item as? [String: Any] else { rejections.append((i, "不是对象")); continue }
            guard let tnm = Self.text(r["tnm"]), let code = link.points[tnm] else {
                rejections.append((i, "测点编码 \(Self.text(r["tnm"]) ?? "（空）") 未登记对应的监测点位")); continue
            }
            guard let tsText = Self.text(r["ts"]), let ts = ProvincialRules.time(tsText) else {
                rejections.append((i, "时间 ts 应为 YYYY-MM-DD HH:MM:SS")); continue
            }
            guard let val = Self.text(r["val"]) else { rejections.append((i, "缺少 val")); continue }
            let value: RawReading.Value
            if kinds[code] == .state {
                value = .text(val)
            } else if let d = Double(val.trimmingCharacters(in: .whitespaces)), d.isFinite {
                value = .number(d)
            } else {
                rejections.append((i, "val 不是数值：\(val)")); continue
            }
            raw.append(RawReading(point: code, ts: ISOTime.string(ts), value: value))
            origin.append(i)
        }
        let result = raw.isEmpty ? IngestResult(accepted: 0, duplicates: 0, rejections: []) : try await telemetry.ingest(raw, actor: gateway)
        rejections += result.rejections.map { (origin[$0.index], $0.zh) }
        guard !rejections.isEmpty else { return .ok }
        return ProvincialAnswer(code: 200, msg: "部分数据未接收（接收\(result.accepted)条，重复\(result.duplicates)条，拒收\(rejections.count)条）",
                                rejections: rejections.sorted { $0.index < $1.index })
    }

    func events(_ payload: [String: Any], link: ProvincialLink) async throws -> ProvincialAnswer {
        guard let list = payload["events"] as? [Any] else { return ProvincialAnswer(code: 400, msg: "缺少 events 数组") }
        guard list.count <= ProvincialRules.maxEvents else { return ProvincialAnswer(code: 400, msg: "每次最多\(ProvincialRules.maxEvents)条事件") }
        let now = clock.now()
        let defs = try await points.points(enterpriseID: link.enterpriseID, codes: Array(Set(link.points.values)))
        let byName = Dictionary(defs.values.map { ($0.name, $0.code) }, uniquingKeysWith: { a, _ in a })
        var out: [GatewayEvent] = []
        var rejections: [(index: Int, reason: String)] = []
        for (i, item) in list.enumerated() {
            guard let e = item as? [String: Any] else { rejections.append((i, "不是对象")); continue }
            guard let tsText = Self.text(e["ts"]), let ts = ProvincialRules.time(tsText) else {
                rejections.append((i, "时间 ts 应为 YYYY-MM-DD HH:MM:SS")); continue
            }
            guard let code = Self.text(e["scd"]).flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                rejections.append((i, "状态码 scd 应为整数")); continue
            }
            let oname = String((Self.text(e["oname"]) ?? "").prefix(200))
            let point = link.points[oname] ?? (defs[oname] != nil ? oname : byName[oname])
            out.append(GatewayEvent(enterpriseID: link.enterpriseID, countyCode: link.countyCode, pointCode: point, oname: oname, ts: ts,
                                    value: String((Self.text(e["avx"]) ?? "").prefix(100)), code: code,
                                    threshold: String((Self.text(e["threshold"]) ?? "").prefix(100)),
                                    content: String((Self.text(e["content"]) ?? "").prefix(1000)), receivedAt: now))
        }
        let stored = out.isEmpty ? 0 : try await links.record(out)
        guard !rejections.isEmpty else { return .ok }
        return ProvincialAnswer(code: 200, msg: "部分事件未接收（接收\(stored)条，重复\(out.count - stored)条，拒收\(rejections.count)条）", rejections: rejections)
    }

    /// A JSON string or number as text (gateways send codes and values either way).
    /// An enterprise id no enterprise has.
    static let nobody = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    static func text(_ v: Any?) -> String? {
        switch v {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }
}
