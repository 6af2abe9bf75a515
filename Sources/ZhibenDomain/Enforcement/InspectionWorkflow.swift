import Foundation

/// The inspection's states as one pure function, like `HazardWorkflow`: (record, action, actor, now) →
/// the next record, or the refusal. Refusals come in a fixed order: 403 (permission, and who decides),
/// then 409 naming the state and the action. Storage applies the result in one write that checks the
/// version it read, with every side effect of the step.
public enum InspectionWorkflow {
    /// Who decides on an inspection (cancels it, records penalties and orders): the enterprise's county and
    /// the city. The county a cross-county inspection borrows its officers from sees it, and its officers
    /// work it in the field, but does not decide on an enterprise outside its jurisdiction.
    public static func decides(_ scope: Scope, on i: Inspection) -> Bool {
        switch scope {
        case .city: true
        case .county(let c): c == i.countyCode
        case .enterprise, .assigned: false
        }
    }

    /// The states an action may start from.
    public static func from(_ action: InspectionAction) -> Set<Inspection.State> {
        switch action {
        case .start: [.planned]
        case .complete: [.inProgress]
        case .cancel: [.planned, .inProgress]
        }
    }

    /// What the action needs of the caller.
    public static func permission(_ action: InspectionAction) -> Permission {
        action == .cancel ? .drawManage : .hazardReport
    }

    public static func perform(_ i: Inspection, action: InspectionAction, actor: Caller, now: Date) throws(DomainError) -> Inspection {
        try actor.require(permission(action))
        if action == .cancel, !decides(actor.scope, on: i) { throw .forbidden(permission: .drawManage) }
        guard from(action).contains(i.state) else { throw .invalidTransition(from: i.state.rawValue, event: action.rawValue) }
        var next = i
        switch action {
        case .start:
            next.state = .inProgress
            next.startedAt = now
        case .complete:
            next.state = .completed
            next.completedAt = now
        case .cancel:
            next.state = .cancelled
        }
        next.updatedAt = now
        return next
    }

    /// Field results saved (a draft from the phone): only while open; the first save starts the
    /// inspection. A hazard already made from an item stays linked to it.
    public static func record(_ i: Inspection, results: [InspectionItemResult], summary: String?, actor: Caller, now: Date) throws(DomainError) -> Inspection {
        try actor.require(.hazardReport)
        guard i.state == .planned || i.state == .inProgress else { throw .invalidTransition(from: i.state.rawValue, event: "saveResults") }
        var next = i
        let linked = Dictionary(i.results.compactMap { r in r.hazardID.map { (r.item, $0) } }, uniquingKeysWith: { a, _ in a })
        next.results = results.map { r in var r = r; r.hazardID = linked[r.item]; return r }
        if let summary { next.summary = summary }
        if next.state == .planned {
            next.state = .inProgress
            next.startedAt = now
        }
        next.updatedAt = now
        return next
    }

    /// The failed items completing makes a hazard of: those not linked to one yet.
    public static func itemsNeedingHazards(_ i: Inspection) -> [InspectionItemResult] {
        i.results.filter { $0.outcome == .fail && $0.hazardID == nil }
    }

    /// The checklist's items (`items`, in the checklist's order) without an outcome: a record of law
    /// enforcement accounts for every item, as 符合, 不符合, 不适用, or 未检查 with its reason.
    public static func unanswered(_ i: Inspection, items: [String]) -> [String] {
        let answered = Set(i.results.map(\.item))
        return items.filter { !answered.contains($0) }
    }

    /// Refuses (422, `results`) while an item of the checklist has no outcome, naming how many and the first few.
    public static func requireAnswered(_ i: Inspection, items: [String]) throws(DomainError) {
        let open = unanswered(i, items: items)
        guard !open.isEmpty else { return }
        let named = open.prefix(3).joined(separator: "、") + (open.count > 3 ? "…" : "")
        throw .validation([FieldIssue(field: "results",
                                      zh: "还有 \(open.count) 项未作答（\(named)）：每项须选择符合、不符合、不适用，或标为未检查并说明原因",
                                      en: "\(open.count) items have no outcome (\(named)): each is pass, fail, N/A, or not checked with its reason")])
    }

    /// Completion with each failed item linked to the hazard made of it (`hazards`: item → hazard id),
    /// once every item of the checklist (`items`) has its outcome. The same failed items as when the
    /// hazards were made, or the step is refused as stale.
    public static func complete(_ i: Inspection, items: [String], hazards: [String: UUID], actor: Caller, now: Date) throws(DomainError) -> Inspection {
        var next = try perform(i, action: .complete, actor: actor, now: now)
        try requireAnswered(i, items: items)
        guard Set(itemsNeedingHazards(i).map(\.item)) == Set(hazards.keys) else {
            throw .staleVersion(entity: "inspection", expected: i.version - 1, current: i.version)
        }
        next.results = i.results.map { r in var r = r; if let h = hazards[r.item] { r.hazardID = h }; return r }
        return next
    }
}

/// An inspection photo copied onto its failed item's hazard: the hazard's photo record (its bytes are
/// stored under the hazard photo's key already).
public struct InspectionPhotoCopy: Sendable {
    public var inspectionPhotoID: UUID
    public var photo: HazardPhoto

    public init(inspectionPhotoID: UUID, photo: HazardPhoto) {
        self.inspectionPhotoID = inspectionPhotoID
        self.photo = photo
    }
}
