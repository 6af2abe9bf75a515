import Crypto
import Fluent
import Foundation
import Vapor
import ZhibenDomain
import ZhibenPersistence

/// bcrypt on the application's thread pool: a hash takes a quarter of a second at cost 12, which on an
/// event loop or the cooperative executor would stall every other request on that thread meanwhile.
struct BcryptHasher: ZhibenDomain.PasswordHasher {
    let cost: Int
    let pool: NIOThreadPool

    func hash(_ password: String) async throws -> String {
        try await pool.runIfActive { [cost] in try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await pool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }
}

/// SHA-256 digests and random secrets for sessions and API keys.
struct SHA256Secrets: SecretSource {
    func make() -> String { Secret.make() }
    func digest(_ secret: String) -> String { Secret.sha256(secret) }
}

/// SHA-256 of uploaded files.
struct SHA256Digest: ContentDigest {
    func sha256Hex(_ data: Data) -> String { Secret.sha256(data) }
}

/// The default outbound channel: every notification also goes to the log, where an SMS or messaging
/// gateway can later pick up from.
struct LoggingNotificationChannel: NotificationChannel {
    let logger: Logger

    func deliver(_ notifications: [NotificationDraft]) async {
        for n in notifications {
            logger.info("notification \(n.kind.rawValue) to \(n.audience): \(n.zh)")
        }
    }
}

/// The composition root's product: every use case the web pages, the API and the commands call.
public struct ZhibenServices: Sendable {
    public let config: AppConfig
    public let store: Store
    public let enterprises: EnterpriseService
    public let accounts: AccountService
    public let sessions: SessionService
    public let apiKeys: APIKeyService
    public let auditLog: AuditService
    public let hazards: HazardService
    public let notifications: NotificationService
    public let selfInspections: SelfInspectionService
    public let monitoring: MonitoringService
    public let telemetry: TelemetryService
    public let alarms: AlarmService
    public let provincial: ProvincialService
    public let monitoringFigures: MonitoringFiguresService
    public let people: EnforcementPeopleService
    /// Demo data in bulk, for the process itself.
    public let demo: DemoLoader
    public let draws: DrawService
    public let inspections: InspectionService
    public let penalties: PenaltyService
    /// The enterprise's workers, certificates, staffing, 三违 and the off-duty ledger.
    public let workforce: WorkforceService
    /// The contractor registry, admissions and jobs behind the start-of-work gate.
    public let contractors: ContractorService
    /// Trainings and principals' coverage, managers' exams, drills.
    public let trainings: TrainingService
    /// The confined-space ledger and high-risk work permits.
    public let permits: PermitService
    public let plans: PlanService
    public let workbench: WorkbenchService
    /// Figures over many records, kept until anything changes (see `ChangeKeyedCache`).
    public let computed: ChangeKeyedCache
    public let dispatch: DispatchService
    public let clock: any WallClock
    public let hasher: any ZhibenDomain.PasswordHasher

    init(config: AppConfig, store: Store, clock: any WallClock, threadPool: NIOThreadPool, logger: Logger) {
        self.config = config
        self.store = store
        self.clock = clock
        let enterpriseRepo = FluentEnterpriseRepository(store: store)
        let audit = FluentAuditRepository(store: store)
        // Figures over many records, kept until the audit log's head moves (any change, any instance).
        computed = ChangeKeyedCache { try await audit.head() }
        let tokens = FluentTokenRepository(store: store, keyCache: .milliseconds(Int64(config.apiKeyCacheSeconds * 1000)))
        let secrets = SHA256Secrets()
        hasher = BcryptHasher(cost: config.bcryptCost, pool: threadPool)
        enterprises = EnterpriseService(repository: enterpriseRepo, uploads: FluentUploadStash(store: store), clock: clock)
        let userRepo = FluentUserRepository(store: store)
        accounts = AccountService(users: userRepo, audit: audit, enterprises: enterpriseRepo,
                                  hasher: hasher, clock: clock)
        sessions = SessionService(tokens: tokens, audit: audit, secrets: secrets, clock: clock, lifetime: config.sessionTTL)
        apiKeys = APIKeyService(tokens: tokens, enterprises: enterpriseRepo, secrets: secrets, clock: clock)
        auditLog = AuditService(repository: audit)
        let files: any FileStore = switch config.database {
        // Beside the SQLite file, so one folder holds all of an installation's data.
        case .sqlite(let path): FolderFileStore(root: URL(fileURLWithPath: path).deletingLastPathComponent()
            .appendingPathComponent(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + "-files"))
        case .postgres: DatabaseFileStore(store: store)
        }
        let hazardRepo = FluentHazardRepository(store: store)
        selfInspections = SelfInspectionService(repository: FluentSelfInspectionRepository(store: store), enterprises: enterpriseRepo,
                                                hazards: hazardRepo, clock: clock, computed: computed)
        hazards = HazardService(repository: hazardRepo, enterprises: enterpriseRepo, users: userRepo,
                                checklists: FluentChecklistRepository(store: store), files: files, digest: SHA256Digest(),
                                channel: LoggingNotificationChannel(logger: logger), clock: clock, computed: computed)
        let pointRepo = FluentMonitoringPointRepository(store: store)
        let definitions = PointDefinitionCache()
        monitoring = MonitoringService(points: pointRepo, enterprises: enterpriseRepo, clock: clock, definitions: definitions)
        alarms = AlarmService(alarms: FluentAlarmRepository(store: store), points: pointRepo, leases: FluentEngineLeaseRepository(store: store),
                              clock: clock, escalation: config.alarmEscalation, channel: LoggingNotificationChannel(logger: logger),
                              hazardPolicy: config.alarmHazard)
        var telemetry = TelemetryService(readings: FluentReadingRepository(store: store), points: pointRepo, alarms: alarms, clock: clock,
                                         retention: TimeInterval(config.readingRetentionDays) * 86_400, definitions: definitions) { error in
            // A lease lost to another instance is routine; the batch waits for its engine either way.
            guard !(error is EngineLeaseLost) else { return }
            logger.warning("readings stored, evaluation left to the next pass: \(String(reflecting: error))")
        }
        telemetry.observe = { result, seconds in Metrics.ingested(result, seconds: seconds) }
        self.telemetry = telemetry
        monitoringFigures = MonitoringFiguresService(repository: FluentMonitoringFiguresRepository(store: store), clock: clock)
        provincial = ProvincialService(links: FluentProvincialRepository(store: store), points: pointRepo, enterprises: enterpriseRepo,
                                       telemetry: telemetry, clock: clock)
        notifications = NotificationService(repository: FluentNotificationRepository(store: store), clock: clock)
        let peopleRepo = FluentEnforcementPeopleRepository(store: store)
        demo = DemoLoader(enterprises: enterpriseRepo, users: userRepo, hazards: hazardRepo, selfInspections: FluentSelfInspectionRepository(store: store),
                          points: pointRepo, people: peopleRepo)
        people = EnforcementPeopleService(repository: peopleRepo, users: userRepo, clock: clock)
        let drawRepo = FluentDrawRepository(store: store)
        draws = DrawService(repository: drawRepo, people: peopleRepo, secrets: secrets, sha: { Secret.sha256($0) }, clock: clock)
        inspections = InspectionService(repository: FluentInspectionRepository(store: store), draws: drawRepo, people: peopleRepo, hazards: hazards,
                                          alarms: FluentAlarmRepository(store: store), clock: clock)
        penalties = PenaltyService(repository: FluentPenaltyRepository(store: store), inspections: inspections, clock: clock)
        workforce = WorkforceService(records: FluentRecordRepository(store: store), enterprises: enterprises, exams: penalties.repository,
                                     uploads: FluentUploadStash(store: store), clock: clock)
        contractors = ContractorService(workforce: workforce)
        trainings = TrainingService(workforce: workforce, files: hazards.files, digest: hazards.digest)
        permits = PermitService(workforce: workforce, points: pointRepo, alarms: alarms.alarms, limits: config.gasLimits)
        plans = PlanService(repository: FluentPlanRepository(store: store), clock: clock, computed: computed)
        workbench = WorkbenchService(hazards: hazards, alarms: alarms, inspections: inspections, draws: draws, plans: plans, selfInspections: selfInspections,
                                     penalties: penalties, people: people, users: userRepo, workforce: workforce, permits: permits, clock: clock)
        dispatch = DispatchService(repository: FluentDispatchRepository(store: store), monitoring: monitoringFigures, clock: clock, computed: computed)
    }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = ZhibenServices }

    public var zhiben: ZhibenServices {
        get {
            guard let s = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
            return s
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var zhiben: ZhibenServices { application.zhiben }
}

/// Random secrets and their stored form.
enum Secret {
    /// 32 random bytes, URL-safe base64.
    static func make() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func sha256(_ s: String) -> String { sha256(Data(s.utf8)) }

    /// Lower-case hex of the SHA-256 of `data`.
    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares without leaking where two strings first differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A readable password for demo accounts.
    static func password() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<14).map { _ in alphabet.randomElement(using: &rng)! })
    }
}
