"""Extension requests: who may ask and until when, who decides, the steps and their sweep part."""
