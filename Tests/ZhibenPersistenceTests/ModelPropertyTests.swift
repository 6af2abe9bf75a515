import FluentKit
import Testing
@testable import ZhibenPersistence

/// Every model lists its properties by hand (`ModelProperties.swift`) instead of FluentKit finding them by
/// reflection: each list must hold exactly the model's property wrappers, in declaration order.
@Suite("Model properties")
struct ModelPropertyTests {
    static let models: [any Model.Type] = [
        UserModel.self, SessionTokenModel.self, APIKeyModel.self, AuditEntryModel.self, StoredFileModel.self, PendingUploadModel.self,
        DrawModel.self, InspectionModel.self, InspectionPhotoModel.self, PenaltyModel.self, WorkerExamModel.self, PlanModel.self,
        EnterpriseModel.self, LocalChecklistItemModel.self, SelfInspectionModel.self, InternalReportModel.self, HazardModel.self,
        HazardEventModel.self, HazardPhotoModel.self, AlarmModel.self, MonitoringPointModel.self, LimitChangeModel.self,
        ProvincialLinkModel.self, GatewayEventModel.self, NotificationModel.self,
    ]

    @Test("each model's listed properties are its property wrappers, in order", arguments: 0..<models.count)
    func listed(_ i: Int) {
        let model = Self.models[i].init()
        let reflected = Mirror(reflecting: model).children.compactMap { $0.value as? any AnyProperty }.map { ObjectIdentifier($0 as AnyObject) }
        let listed = model.properties.map { ObjectIdentifier($0 as AnyObject) }
        #expect(!listed.isEmpty)
        #expect(listed == reflected, "\(Self.models[i]): the list in ModelProperties.swift differs from the declared fields")
    }
}
