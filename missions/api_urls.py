from django.urls import path

from . import api

urlpatterns = [
    path("officer/missions/", api.OfficerMissions.as_view(), name="api-officer-missions"),
    path("officer/ping/", api.OfficerPing.as_view(), name="api-officer-ping"),
    path("missions/", api.Missions.as_view(), name="api-missions"),
    path("missions/plan/", api.PlanShift.as_view(), name="api-missions-plan"),
    path("missions/controls/", api.Controls.as_view(), name="api-missions-controls"),
    path("missions/gis/<slug:fmt>/", api.ShiftGis.as_view(), name="api-missions-gis"),
    path("missions/reports/outcomes/", api.OutcomeReport.as_view(), name="api-missions-outcomes"),
    path("missions/reports/<slug:kind>/", api.Report.as_view(), name="api-missions-report"),
    path("missions/<int:pk>/", api.MissionDetail.as_view(), name="api-mission"),
    path("missions/<int:pk>/start/", api.StartMission.as_view(), name="api-mission-start"),
    path("missions/<int:pk>/complete/", api.CompleteMission.as_view(), name="api-mission-complete"),
    path(
        "missions/<int:pk>/end-early/", api.EndMissionEarly.as_view(), name="api-mission-end-early"
    ),
    path("missions/<int:pk>/tactics/", api.MissionTactics.as_view(), name="api-mission-tactics"),
    path("missions/<int:pk>/report/", api.OfflineReport.as_view(), name="api-mission-report"),
    path("missions/<int:pk>/cancel/", api.CancelMission.as_view(), name="api-mission-cancel"),
    path("suppressions/", api.Suppressions.as_view(), name="api-suppressions"),
    path("suppressions/<int:pk>/lift/", api.LiftSuppression.as_view(), name="api-suppression-lift"),
    path("audit/", api.AuditLog.as_view(), name="api-audit"),
]
