"""All queries live here, one module per aggregate; services call these, routers never do."""
