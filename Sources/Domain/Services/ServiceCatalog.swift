/// The unified directory of e-services (`GET /v1/services`): every service Muamala decides.
public enum ServiceCatalog {
    public static let all: [ServiceDefinition] = [
        EstablishmentFileFlow.open, EstablishmentFileFlow.changeActivity, EstablishmentFileFlow.issueCertificate,
        EstablishmentFileFlow.updateOwners,
        EmploymentFacts.register,
        WorkPermitFlow.issue, WorkPermitFlow.pay, WorkPermitFlow.renew, WorkPermitFlow.issueTemporary,
        WorkPermitFlow.extendTemporary, WorkPermitFlow.expire, WorkPermitFlow.remove,
    ] + FinalExitFlow.services + TransferFlow.services + DependentTransferFlow.services + BranchChangeFlow.services
        + OccupationChangeFlow.services + AbsenceReportFlow.services + Recruitment.services + PortalAccounts.services

    private static let byCode: [String: ServiceDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    public static func service(_ code: String) -> ServiceDefinition? { byCode[code] }

    /// The body of `POST /v1/requests` as JSON Schema: one branch per service, its code and
    /// its payload's fields with their types and ranges. `docs/openapi.yaml` holds it as
    /// `components.schemas.Submission` (printed by `muamala services --submission-schema`;
    /// `OpenAPITests` fails when the two differ).
    public static var submissionSchema: JSONValue {
        .object(["oneOf": .array(all.map { service in
            [
                "type": "object",
                "additionalProperties": false,
                "required": ["service", "payload"],
                "properties": ["service": ["const": .string(service.code)], "payload": service.payloadSchema],
            ]
        })])
    }

    /// Every workflow table, for `muamala workflows` and the docs.
    public static let workflows: [WorkflowDiagram] = [
        WorkflowDiagram(EstablishmentFileFlow.self),
        WorkflowDiagram(WorkPermitFlow.self),
        WorkflowDiagram(FinalExitFlow.self),
        WorkflowDiagram(TransferFlow.self),
        WorkflowDiagram(DependentTransferFlow.self),
        WorkflowDiagram(BranchChangeFlow.self),
        WorkflowDiagram(OccupationChangeFlow.self),
        WorkflowDiagram(AbsenceReportFlow.self),
        WorkflowDiagram(VisaBalanceFlow.self),
        WorkflowDiagram(VisaIssueFlow.self),
        WorkflowDiagram(VisaFlow.self),
        WorkflowDiagram(PortalAccountFlow.self),
        WorkflowDiagram(AuthorizationFlow.self),
    ]

    /// The workflow a kind of case runs in, and its service codes' prefix.
    public static func workflow(of kind: CaseFile.Kind) -> WorkflowDiagram? {
        let name: String
        switch kind {
        case .finalExit: name = FinalExitFlow.name
        case .transfer: name = TransferFlow.name
        case .dependentTransfer: name = DependentTransferFlow.name
        case .branchChange: name = BranchChangeFlow.name
        case .occupationChange: name = OccupationChangeFlow.name
        case .absenceReport: name = AbsenceReportFlow.name
        case .visaIssue: name = VisaIssueFlow.name
        }
        return workflows.first { $0.name == name }
    }

    /// Whether a case in this state is still open (counts against "one open case of a kind").
    public static func isOpen(_ file: CaseFile) -> Bool {
        !closedCaseStates.contains(file.state)
    }

    /// Case states that end a case, across all case workflows.
    public static let closedCaseStates: Set<String> = [
        "completed", "rejected", "lapsed", "cancelled", "used", "expired", "final", "cleared", "refused",
    ]
}
