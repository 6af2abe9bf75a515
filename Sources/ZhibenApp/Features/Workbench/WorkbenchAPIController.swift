import Foundation
import Vapor
import ZhibenDomain

/// The workbench over the API: the caller's queues with their counts and first items, and one queue a
/// page at a time (the same service as the page).
struct WorkbenchAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(APIRoute.workbench, use: overview)
        routes.get(APIRoute.workbenchQueue, use: queue)
    }

    struct LinkDTO: Content {
        var type: String
        var id: UUID?
    }

    struct ItemDTO: Content {
        var title: String
        var subject: String
        /// ISO 8601 with offset, as every time of the API.
        var since: String?
        var due: String?
        var overdue: Bool
        var link: LinkDTO

        init(_ i: WorkItem) {
            title = i.title
            subject = i.subject
            since = i.since.map(ISOTime.string)
            due = i.due.map(ISOTime.string)
            overdue = i.overdue
            switch i.link {
            case .hazard(let id): link = LinkDTO(type: "hazard", id: id)
            case .alarm(let id): link = LinkDTO(type: "alarm", id: id)
            case .inspection(let id): link = LinkDTO(type: "inspection", id: id)
            case .draw(let id): link = LinkDTO(type: "draw", id: id)
            case .enterprise(let id): link = LinkDTO(type: "enterprise", id: id)
            case .selfInspections: link = LinkDTO(type: "selfInspections", id: nil)
            case .lockedAccounts: link = LinkDTO(type: "lockedAccounts", id: nil)
            case .worker(let id): link = LinkDTO(type: "worker", id: id)
            case .permit(let id): link = LinkDTO(type: "permit", id: id)
            case .none: link = LinkDTO(type: "none", id: nil)
            }
        }
    }

    struct SectionDTO: Content {
        var kind: String
        var label: String
        var total: Int
        var items: [ItemDTO]
    }

    struct OverviewDTO: Content {
        var sections: [SectionDTO]
    }

    func overview(req: Request) async throws -> OverviewDTO {
        let sections = try await req.zhiben.workbench.overview(actor: req.caller)
        return OverviewDTO(sections: sections.map { s in
            SectionDTO(kind: s.kind.rawValue, label: s.kind.label(req.language), total: s.total, items: s.items.map(ItemDTO.init))
        })
    }

    func queue(req: Request) async throws -> PageDTO<ItemDTO> {
        guard let kind = req.parameters.get("kind").flatMap(WorkKind.init(rawValue:)) else { throw Abort(.notFound) }
        return PageDTO(try await req.zhiben.workbench.queue(kind, page: req.paging(), actor: req.caller)) { ItemDTO($0) }
    }
}
