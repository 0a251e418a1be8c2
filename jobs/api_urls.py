from rest_framework.routers import SimpleRouter

from .api import JobRunViewSet

router = SimpleRouter()
router.register("jobs", JobRunViewSet, basename="job")
urlpatterns = router.urls
