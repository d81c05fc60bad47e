"""The digital address map: road network, layers, snapping, travel times and search."""
