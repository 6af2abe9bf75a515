import Foundation
import FluentKit
import SQLKit
import ZhibenDomain

/// The schema, as one ordered list; each migration lives in its feature's folder (`<Feature>Migrations.swift`).
/// Never edit a migration that has shipped; add the next one.
public enum Migrations {
    public static let all: [any AsyncMigration] = [
        M001CreateEnterprises(),
        M002CreateAccounts(),
        M003CreateAuditLog(),
        M004StatisticsIndex(),
        M005PendingUploads(),
        M006EnterpriseVersion(),
        M007Hazards(),
        M008SelfInspections(),
        M009SelfInspectionTallies(),
        M010OpenDeadline(),
        M011HazardSearch(),
        M012HazardFoundOrder(),
        M013EnterpriseTallies(),
        M014HazardExpert(),
        M015MonitoringPoints(),
        M016Readings(),
        M017HazardSearchOrder(),
        M018Alarms(),
        M019NotificationAlarm(),
        M020AlarmChanges(),
        M021ProvincialInterface(),
        M022ReadingRollups(),
        M023ReadingPartitions(),
        M024EngineLeases(),
        M025Enforcement(),
        M026Inspections(),
        M027PenaltiesAndExams(),
        M028EnforcementPlans(),
        M029DrawPoolCounts(),
        M030InspectionPhotos(),
        M031DrawOverlapReason(),
        M032EnterpriseInitials(),
        RecordTablesMigration.people,
        RecordTablesMigration.contractors,
        RecordTablesMigration.trainings,
        RecordTablesMigration.permits,
        M037ReadingBlocks(),
        M038HazardQueueIndexes(),
        M039EnterpriseStandingIndex(),
        M040SharedReadingLog(),
        M041ReadingLogAppender(),
    ]
}
