import FluentKit

// Each model names its properties in declaration order. FluentKit would otherwise find them by reflection
// (`Mirror`) on every query, create and decode, which profiles showed as a fifth of the server's time.
// `ModelPropertyTests` checks each list against reflection, so a field added without its entry fails.

extension UserModel {
    var properties: [any AnyProperty] {
        [
            $id, $username, $displayName, $role, $countyCode, $enterpriseID, $enterpriseCountyCode, $locale, $passwordHash,
            $failedLogins, $lockedUntil, $active, $createdAt, $lastLoginAt
        ]
    }
}

extension SessionTokenModel {
    var properties: [any AnyProperty] { [$id, $tokenHash, $userID, $expiresAt] }
}

extension APIKeyModel {
    var properties: [any AnyProperty] {
        [
            $id, $name, $enterpriseID, $countyCode, $prefix, $secretHash, $createdBy, $createdAt, $revokedAt, $lastUsedAt
        ]
    }
}

extension AuditEntryModel {
    var properties: [any AnyProperty] {
        [
            $id, $atMillis, $actorKind, $actorUsername, $action, $entityType, $entityID, $changes, $origin, $prevHash, $hash
        ]
    }
}

extension StoredFileModel {
    var properties: [any AnyProperty] { [$id, $data, $createdAt] }
}

extension PendingUploadModel {
    var properties: [any AnyProperty] { [$id, $owner, $data, $createdAt] }
}

extension DrawModel {
    var properties: [any AnyProperty] {
        [
            $id, $countyCode, $year, $title, $parameters, $pool, $poolDigest, $commitment, $secret, $seed, $result, $createdBy,
            $createdAt, $revealedAt, $poolEnterprises, $poolInspectors, $poolExperts, $overlapReason
        ]
    }
}

extension InspectionModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $enterpriseName, $countyCode, $style, $origin, $originID, $inspectors, $inspectorCounties,
            $expertID, $expertName, $expertUserID, $plannedOn, $state, $results, $summary, $createdBy, $createdAt, $startedAt,
            $completedAt, $updatedAt, $version
        ]
    }
}

extension InspectionPhotoModel {
    var properties: [any AnyProperty] {
        [
            $id, $inspectionID, $item, $contentType, $size, $sha256, $uploadedBy, $uploadedAt, $hazardPhotoID
        ]
    }
}

extension PenaltyModel {
    var properties: [any AnyProperty] {
        [
            $id, $inspectionID, $enterpriseID, $enterpriseName, $countyCode, $caseNo, $legalBasis, $enterpriseFine,
            $principalName, $principalFine, $decidedOn, $hazardIDs, $createdBy, $createdAt
        ]
    }
}

extension WorkerExamModel {
    var properties: [any AnyProperty] {
        [
            $id, $inspectionID, $enterpriseID, $enterpriseName, $countyCode, $workerName, $job, $score, $examinedOn, $state,
            $retrainedOn, $reexamScore, $reexamOn, $version
        ]
    }
}

extension PlanModel {
    var properties: [any AnyProperty] { [$id, $countyCode, $year, $keyEnterprises, $drawQuota, $updatedBy, $updatedAt, $version] }
}

extension EnterpriseModel {
    var properties: [any AnyProperty] {
        [
            $id, $creditCode, $name, $countyCode, $township, $address, $longitude, $latitude, $industry, $subIndustry, $scale,
            $employees, $dustWorkers, $dustTypes, $specialRisks, $principalName, $principalPhone, $controllerName,
            $controllerPhone, $safetyManagerName, $safetyManagerPhone, $standardization, $standardizationValidUntil, $status,
            $supervisingDepartment, $computedGrade, $grade, $overrideGrade, $overrideReason, $overrideBy, $overrideAt, $active,
            $deactivationReason, $createdAt, $updatedAt, $version, $nameInitials
        ]
    }
}

extension LocalChecklistItemModel {
    var properties: [any AnyProperty] { [$id, $countyCode, $group, $text, $createdBy, $createdAt, $active] }
}

extension SelfInspectionModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $countyCode, $ledBy, $principalLed, $conductedAt, $checkedItems, $hazardIDs, $notes, $recordedBy,
            $createdAt
        ]
    }
}

extension InternalReportModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $countyCode, $text, $reporter, $receivedAt, $status, $reward, $hazardID, $decidedBy, $decidedAt,
            $recordedBy
        ]
    }
}

extension HazardModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $countyCode, $enterpriseName, $industry, $title, $description, $location, $source, $foundBy,
            $foundAt, $focusTags, $level, $criteria, $standard, $state, $reportedBy, $reportedByEnterprise, $plan, $deadline,
            $openDeadline, $acknowledgement, $supervisionLevel, $supervision, $pendingExtension, $expertID, $expert, $evidence,
            $rejectionReason, $judgedAt, $closedAt, $overdueNotifiedAt, $createdAt, $updatedAt, $version
        ]
    }
}

extension HazardEventModel {
    var properties: [any AnyProperty] {
        [
            $id, $hazardID, $action, $fromState, $toState, $actor, $actorRole, $at, $comment, $details, $photoIDs
        ]
    }
}

extension HazardPhotoModel {
    var properties: [any AnyProperty] { [$id, $hazardID, $contentType, $size, $sha256, $uploadedBy, $uploadedAt] }
}

extension AlarmModel {
    var properties: [any AnyProperty] {
        [
            $id, $pointID, $enterpriseID, $countyCode, $enterpriseName, $pointCode, $pointName, $condition, $level, $state,
            $raisedAt, $raisedValue, $upgradedAt, $normalAt, $normalValue, $steps, $countyNotifiedAt, $cityNotifiedAt, $hazardID,
            $updatedAt, $version
        ]
    }
}

extension MonitoringPointModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $countyCode, $enterpriseName, $code, $name, $indicator, $equipment, $unit, $kind, $interval,
            $limits, $active, $createdAt, $updatedAt, $version
        ]
    }
}

extension LimitChangeModel {
    var properties: [any AnyProperty] { [$id, $pointID, $before, $after, $by, $at] }
}

extension ProvincialLinkModel {
    var properties: [any AnyProperty] { [$id, $countyCode, $enterpriseName, $qybm, $key, $points, $updatedAt, $updatedBy, $version] }
}

extension GatewayEventModel {
    var properties: [any AnyProperty] {
        [
            $id, $enterpriseID, $countyCode, $pointCode, $oname, $ts, $value, $code, $threshold, $content, $receivedAt
        ]
    }
}

extension NotificationModel {
    var properties: [any AnyProperty] { [$id, $userID, $kind, $hazardID, $alarmID, $zh, $en, $createdAt, $readAt] }
}
