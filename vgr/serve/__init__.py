"""`vgr serve`: a web page and an HTTP API over the prediction (optional extra ``vgr[serve]``)."""
