import Domain
import Foundation
import PQ

/// Small look-ups that access checks need before a request is queued.
public enum DirectoryStore {
    /// The unified number an establishment belongs to (nil when it is not registered).
    public static func company(of establishment: EstablishmentID, on db: isolated Connection) throws -> UnifiedNumber? {
        try db.query(companyStatement, [establishment.description]).first
            .map { UnifiedNumber(trusted: try $0.decode(String.self, at: 0)) }
    }

    /// The establishment a worker works for (nil when unknown or not employed).
    public static func employer(of worker: PersonID, on db: isolated Connection) throws -> EstablishmentID? {
        try db.query(employerStatement, [worker.digits]).first
            .flatMap { try $0.decode(String?.self, at: 0) }
            .flatMap { try? EstablishmentID($0) }
    }

    static let companyStatement = Statement("directory_company", "SELECT unified_number FROM establishments WHERE id = $1")
    static let employerStatement = Statement("directory_employer", "SELECT establishment_id FROM workers WHERE id = $1")
}
