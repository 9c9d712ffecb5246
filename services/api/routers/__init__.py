"""The API's routers, one per resource; ``services.api.app.create_app`` includes them."""
