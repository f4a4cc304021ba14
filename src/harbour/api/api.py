from ninja import NinjaAPI

api = NinjaAPI(title="Harbour API", version="1", urls_namespace="api")
