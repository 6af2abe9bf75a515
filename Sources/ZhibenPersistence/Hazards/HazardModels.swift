import FluentKit
import Foundation
import ZhibenDomain

/// Nested parts of a record kept as JSON text: read and written whole, never filtered on.
enum JSONColumn {
    static func encode<T: Encodable>(_ value: T?) -> String? {
        // Sorted keys: the same value is always the same text (no change seen where nothing changed).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let value, let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ text: String?, as: T.Type) -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

final class HazardModel: Model, @unchecked Sendable {
    static let schema = "hazards"

    @ID(key: .id) var id: UUID?
    @Field(key: "enterprise_id") var enterpriseID: UUID
    @Field(key: "county_code") var countyCode: String
    @Field(key: "enterprise_name") var enterpriseName: String
    @Field(key: "industry") var industry: String
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    @Field(key: "location") var location: String
    @Field(key: "source") var source: String
    @Field(key: "found_by") var foundBy: String
    @Field(key: "found_at") var foundAt: Date
    @Field(key: "focus_tags") var focusTags: String
    @Field(key: "level") var level: String
    @Field(key: "criteria") var criteria: String
    @Field(key: "standard") var standard: String
    @Field(key: "state") var state: String
    @Field(key: "reported_by") var reportedBy: String
    @Field(key: "reported_by_enterprise") var reportedByEnterprise: Bool
    @OptionalField(key: "plan") var plan: String?
    @OptionalField(key: "deadline") var deadline: Date?
    /// The deadline while the hazard is open, else nil: what the overdue list reads.
    @OptionalField(key: "open_deadline") var openDeadline: Date?
    @OptionalField(key: "acknowledgement") var acknowledgement: String?
    /// `county` or `city` while supervised, for filtering; the details are in `supervision`.
    @OptionalField(key: "supervision_level") var supervisionLevel: String?
    @OptionalField(key: "supervision") var supervision: String?
    @OptionalField(key: "pending_extension") var pendingExtension: String?
    /// The assigned expert's account, for the expert's scope; the details are in `expert`.
    @OptionalField(key: "expert_id") var expertID: UUID?
    @OptionalField(key: "expert") var expert: String?
    @Field(key: "evidence") var evidence: String
    @OptionalField(key: "rejection_reason") var rejectionReason: String?
    @OptionalField(key: "judged_at") var judgedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @OptionalField(key: "overdue_notified_at") var overdueNotifiedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "version") var version: Int

    init() {}

    init(_ h: Hazard) {
        id = h.id
        apply(h)
    }

    func apply(_ h: Hazard) {
        enterpriseID = h.enterpriseID
        countyCode = h.countyCode
        enterpriseName = h.enterpriseName
        industry = h.industry.rawValue
        title = h.title
        description = h.description
        location = h.location
        source = h.source.rawValue
        foundBy = h.foundBy
        foundAt = h.foundAt
        focusTags = TagSet.encode(h.focusTags)
        level = h.level.rawValue
        criteria = h.criteria.joined(separator: ",")
        standard = h.standard
        state = h.state.rawValue
        reportedBy = h.reportedBy
        reportedByEnterprise = h.reportedByEnterprise
        plan = JSONColumn.encode(h.plan)
        deadline = h.deadline
        openDeadline = h.state.isOpen ? h.deadline : nil
        acknowledgement = JSONColumn.encode(h.acknowledgement)
        supervisionLevel = h.supervision?.level.rawValue
        supervision = JSONColumn.encode(h.supervision)
        pendingExtension = JSONColumn.encode(h.pendingExtension)
        expertID = h.expert?.id
        expert = JSONColumn.encode(h.expert)
        evidence = h.evidence
        rejectionReason = h.rejectionReason
        judgedAt = h.judgedAt
        closedAt = h.closedAt
        overdueNotifiedAt = h.overdueNotifiedAt
        createdAt = h.createdAt
        updatedAt = h.updatedAt
        version = h.version
    }

    func domain() throws -> Hazard {
        Hazard(id: try requireID(), enterpriseID: enterpriseID, countyCode: countyCode, enterpriseName: enterpriseName,
               industry: Industry(rawValue: industry) ?? .commerce, title: title, description: description, location: location,
               source: HazardSource(rawValue: source) ?? .inspection, foundBy: foundBy, foundAt: foundAt,
               focusTags: TagSet.decode(focusTags, as: FocusTag.self), level: HazardLevel(rawValue: level) ?? .general,
               criteria: criteria.split(separator: ",").map(String.init), standard: standard,
               state: HazardState(rawValue: state) ?? .reported, reportedBy: reportedBy, reportedByEnterprise: reportedByEnterprise,
               plan: JSONColumn.decode(plan, as: RectificationPlan.self), deadline: deadline,
               acknowledgement: JSONColumn.decode(acknowledgement, as: HazardAcknowledgement.self),
               supervision: JSONColumn.decode(supervision, as: HazardSupervision.self),
               pendingExtension: JSONColumn.decode(pendingExtension, as: ExtensionRequest.self),
               expert: JSONColumn.decode(expert, as: HazardExpert.self), evidence: evidence,
               rejectionReason: rejectionReason, judgedAt: judgedAt, closedAt: closedAt, overdueNotifiedAt: overdueNotifiedAt,
               createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

final class HazardEventModel: Model, @unchecked Sendable {
    static let schema = "hazard_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "hazard_id") var hazardID: UUID
    @Field(key: "action") var action: String
    @OptionalField(key: "from_state") var fromState: String?
    @Field(key: "to_state") var toState: String
    @Field(key: "actor") var actor: String
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "at") var at: Date
    @Field(key: "comment") var comment: String
    @Field(key: "details") var details: String
    @Field(key: "photo_ids") var photoIDs: String

    init() {}

    init(_ e: HazardEvent) {
        id = e.id
        hazardID = e.hazardID
        action = e.action
        fromState = e.fromState?.rawValue
        toState = e.toState.rawValue
        actor = e.actor
        actorRole = e.actorRole.rawValue
        at = e.at
        comment = e.comment
        details = JSONColumn.encode(e.details) ?? "{}"
        photoIDs = e.photoIDs.map(\.uuidString).joined(separator: ",")
    }

    func domain() throws -> HazardEvent {
        HazardEvent(id: try requireID(), hazardID: hazardID, action: action, fromState: fromState.flatMap(HazardState.init(rawValue:)),
                    toState: HazardState(rawValue: toState) ?? .reported, actor: actor, actorRole: Role(rawValue: actorRole) ?? .expert,
                    at: at, comment: comment, details: JSONColumn.decode(details, as: [String: String].self) ?? [:],
                    photoIDs: photoIDs.split(separator: ",").compactMap { UUID(uuidString: String($0)) })
    }
}

final class HazardPhotoModel: Model, @unchecked Sendable {
    static let schema = "hazard_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "hazard_id") var hazardID: UUID
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: String
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}

    init(_ p: HazardPhoto) {
        id = p.id
        hazardID = p.hazardID
        contentType = p.contentType
        size = p.size
        sha256 = p.sha256
        uploadedBy = p.uploadedBy
        uploadedAt = p.uploadedAt
    }

    func domain() throws -> HazardPhoto {
        HazardPhoto(id: try requireID(), hazardID: hazardID, contentType: contentType, size: size, sha256: sha256,
                    uploadedBy: uploadedBy, uploadedAt: uploadedAt)
    }
}
