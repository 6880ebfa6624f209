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

extension DirectoryStore {
    /// The unified numbers of many establishments at once (unregistered ones are absent).
    public static func companies(of establishments: [EstablishmentID], on db: isolated Connection) throws -> [EstablishmentID: UnifiedNumber] {
        guard !establishments.isEmpty else { return [:] }
        var result: [EstablishmentID: UnifiedNumber] = [:]
        for row in try db.query(companiesStatement, [establishments.map(\.description)]) {
            result[try EstablishmentID(try row.decode(String.self, at: 0))] = UnifiedNumber(trusted: try row.decode(String.self, at: 1))
        }
        return result
    }

    /// The employers of many workers at once (unknown or unemployed ones are absent).
    public static func employers(of workers: [PersonID], on db: isolated Connection) throws -> [PersonID: EstablishmentID] {
        guard !workers.isEmpty else { return [:] }
        var result: [PersonID: EstablishmentID] = [:]
        for row in try db.query(employersStatement, [workers.map(\.digits)]) {
            if let employer = try row.decode(String?.self, at: 1), let id = try? EstablishmentID(employer) {
                result[PersonID(trusted: try row.decode(String.self, at: 0))] = id
            }
        }
        return result
    }

    static let companiesStatement = Statement("directory_companies", """
        SELECT id, unified_number FROM establishments WHERE id = ANY($1::text[])
        """)
    static let employersStatement = Statement("directory_employers", """
        SELECT id, establishment_id FROM workers WHERE id = ANY($1::text[])
        """)
}
